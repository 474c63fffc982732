/**
 * Server-sent-events line splitting in linear time: each byte is decoded and scanned once, and an
 * unterminated line is kept as pieces (joined once, when its newline arrives).
 */
export class SseLineSplitter {
  readonly #decoder = new TextDecoder();
  #pending: string[] = [];

  /** The complete `data:` payloads in this chunk, in order. */
  push(chunk: Uint8Array): string[] {
    return this.#split(this.#decoder.decode(chunk, { stream: true }));
  }

  /** A last event not followed by a newline. */
  finish(): string[] {
    const payloads = this.#split(this.#decoder.decode());
    const rest = this.#pending.join('');
    this.#pending = [];
    const payload = dataPayload(rest);
    if (payload !== undefined) payloads.push(payload);
    return payloads;
  }

  #split(text: string): string[] {
    const payloads: string[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      let line = text.slice(start, newline);
      if (this.#pending.length > 0) {
        this.#pending.push(line);
        line = this.#pending.join('');
        this.#pending = [];
      }
      const payload = dataPayload(line);
      if (payload !== undefined) payloads.push(payload);
      start = newline + 1;
    }
    if (start < text.length) this.#pending.push(text.slice(start));
    return payloads;
  }
}

function dataPayload(rawLine: string): string | undefined {
  const line = rawLine.trim();
  return line.startsWith('data:') ? line.slice(5).trim() : undefined;
}
