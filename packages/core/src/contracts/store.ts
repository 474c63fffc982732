/**
 * Durable state: documents written atomically (sessions, checkpoints, manifests) and append-only
 * record streams (rollouts, eval results). A reader never sees a half-written document, and a
 * crash mid-append loses at most the record being written.
 */
export interface Store {
  readonly location: string;
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(prefix?: string): Promise<readonly string[]>;
  append(stream: string, record: unknown): Promise<void>;
  read<T>(stream: string): Promise<readonly T[]>;
}
