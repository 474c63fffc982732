import { EnvRequestError } from './errors.js';
import type { Episode } from './episode.js';

/**
 * Open sessions with a cap and an idle TTL. A finished episode is removed at once; its id is
 * remembered (bounded) so a late step says "the episode is over" rather than "unknown".
 */
export class SessionStore {
  readonly #open = new Map<string, Episode>();
  readonly #finished = new Set<string>();
  readonly #maxSessions: number;
  readonly #ttlMs: number;
  readonly #timer: NodeJS.Timeout;

  constructor(options: { readonly maxSessions: number; readonly ttlMs: number }) {
    this.#maxSessions = options.maxSessions;
    this.#ttlMs = options.ttlMs;
    this.#timer = setInterval(() => this.expire(), Math.max(50, Math.min(30_000, this.#ttlMs / 4)));
    this.#timer.unref();
  }

  get size(): number {
    return this.#open.size;
  }

  get capacity(): number {
    return this.#maxSessions;
  }

  reserve(): void {
    if (this.#open.size >= this.#maxSessions) throw new EnvRequestError('TOO_MANY_SESSIONS', `${this.#open.size} sessions are open (the cap is ${this.#maxSessions}; raise it with --max-sessions); finished episodes free theirs`);
  }

  add(episode: Episode): void {
    this.reserve();
    this.#open.set(episode.id, episode);
  }

  get(id: string): Episode {
    const episode = this.#open.get(id);
    if (episode !== undefined) return episode;
    if (this.#finished.has(id)) throw new EnvRequestError('EPISODE_OVER', `the episode of session ${id} is over; reset a new one`);
    throw new EnvRequestError('NOT_FOUND', `unknown or expired session ${id}`);
  }

  finish(id: string): void {
    this.#open.delete(id);
    this.#finished.add(id);
    if (this.#finished.size > 65_536) this.#finished.delete(this.#finished.values().next().value as string);
  }

  delete(id: string): boolean {
    return this.#open.delete(id);
  }

  expire(now = Date.now()): number {
    let dropped = 0;
    for (const [id, episode] of this.#open) {
      if (!episode.busy && now - episode.touched > this.#ttlMs) {
        this.#open.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
