/**
 * A signal that fires when its parent does or when a timer runs out, released explicitly when the
 * work it bounds is over. `AbortSignal.timeout` cannot be cleared (it stays armed, holding its
 * signal, for the whole timeout after every node), and `AbortSignal.any` keeps a composite per
 * call; at hundreds of node runs per second both show up in the profile.
 */
export class LinkedAbort {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal;
  readonly #onParentAbort = (): void => this.#controller.abort(this.#parent.reason);
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;

  constructor(parent: AbortSignal, timeoutMs?: number) {
    this.#parent = parent;
    if (parent.aborted) this.#controller.abort(parent.reason);
    else parent.addEventListener('abort', this.#onParentAbort, { once: true });
    if (timeoutMs !== undefined && !parent.aborted) {
      this.#timer = setTimeout(() => {
        this.#timedOut = true;
        this.#controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
      }, timeoutMs);
      // The timer alone must not keep a Node process alive.
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True when the timer, not the parent, fired. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  abort(reason: unknown): void {
    this.#controller.abort(reason);
  }

  /** Stops the timer and unhooks from the parent; the signal stays as it is. */
  release(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#parent.removeEventListener('abort', this.#onParentAbort);
  }
}
