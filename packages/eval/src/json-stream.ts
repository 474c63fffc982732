import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Streaming readers with bounded memory: JSONL line by line, and JSON documents whose records
 * are the elements of one array (the top-level array, or the array under a top-level `data` /
 * `Data` key, as SQuAD, HotpotQA, TriviaQA and MathQA publish them). Each record comes with the
 * line it starts on; the file's SHA-256 is computed from the same bytes.
 */

export interface RawRecord {
  readonly line: number;
  /** The record's JSON text (not yet parsed). */
  readonly text: string;
}

export class JsonStreamError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

async function* chunks(file: string, hash: Hash): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const buffer of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(buffer as Buffer);
    let text = decoder.write(buffer as Buffer);
    if (first) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    if (text !== '') yield text;
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}

/** The first non-whitespace character of a file (after a BOM), to tell JSON from JSONL. */
export async function firstCharacter(file: string): Promise<string | undefined> {
  for await (const text of chunks(file, createHash('sha256'))) {
    const match = /\S/.exec(text);
    if (match !== null) return match[0];
  }
  return undefined;
}

/** JSONL: one record per non-blank line; CRLF line ends are accepted. */
export async function* jsonLines(file: string, hash: Hash): AsyncGenerator<RawRecord> {
  let pending = '';
  let line = 0;
  for await (const text of chunks(file, hash)) {
    pending += text;
    let at = pending.indexOf('\n');
    while (at !== -1) {
      line++;
      const raw = pending.slice(0, at).replace(/\r$/, '');
      pending = pending.slice(at + 1);
      if (raw.trim() !== '') yield { line, text: raw };
      at = pending.indexOf('\n');
    }
  }
  line++;
  const raw = pending.replace(/\r$/, '');
  if (raw.trim() !== '') yield { line, text: raw };
}

/**
 * The elements of a JSON document's record array, one at a time. Only the element being read is
 * held in memory, so a document of any size streams.
 */
export async function* jsonArrayRecords(file: string, hash: Hash): AsyncGenerator<RawRecord> {
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let recordDepth: number | undefined;
  let lastKey = '';
  let keyBuffer: string | undefined;
  let expectingValueOf: string | undefined;
  let capture: string | undefined;
  let captureLine = 0;
  let topLevel: '[' | '{' | undefined;
  for await (const text of chunks(file, hash)) {
    let segmentStart = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (ch === '\n') line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') {
          inString = false;
          if (keyBuffer !== undefined) {
            keyBuffer += text.slice(segmentStart, i);
            lastKey = keyBuffer;
            keyBuffer = undefined;
          }
        }
        continue;
      }
      if (ch === '"') {
        inString = true;
        // A string at depth 1 of an object, outside a record, may be a key we need to know.
        if (capture === undefined && topLevel === '{' && depth === 1) {
          keyBuffer = '';
          segmentStart = i + 1;
        }
        if (capture === undefined && recordDepth !== undefined && depth === recordDepth) {
          capture = '';
          captureLine = line;
          segmentStart = i;
        }
        continue;
      }
      if (ch === ':' && topLevel === '{' && depth === 1 && capture === undefined) {
        expectingValueOf = lastKey;
        continue;
      }
      if (ch === '[' || ch === '{') {
        if (topLevel === undefined) {
          topLevel = ch;
          depth = 1;
          if (ch === '[') recordDepth = 1;
          continue;
        }
        if (recordDepth === undefined && ch === '[' && depth === 1 && (expectingValueOf === 'data' || expectingValueOf === 'Data')) {
          depth++;
          recordDepth = depth;
          continue;
        }
        if (capture === undefined && recordDepth !== undefined && depth === recordDepth) {
          capture = '';
          captureLine = line;
          segmentStart = i;
        }
        depth++;
        continue;
      }
      if (ch === ']' || ch === '}') {
        depth--;
        if (capture !== undefined && depth === recordDepth) {
          capture += text.slice(segmentStart, i + 1);
          yield { line: captureLine, text: capture };
          capture = undefined;
        } else if (recordDepth !== undefined && depth === recordDepth - 1 && capture === undefined) {
          recordDepth = -1; // the record array closed; ignore what follows
        }
        continue;
      }
      if (ch === ',' && capture !== undefined && depth === recordDepth) {
        // A scalar record (a string or number element) ends at the comma.
        capture += text.slice(segmentStart, i);
        yield { line: captureLine, text: capture };
        capture = undefined;
        continue;
      }
      if (capture === undefined && recordDepth !== undefined && depth === recordDepth && /[-\d tfn]/.test(ch)) {
        capture = '';
        captureLine = line;
        segmentStart = i;
      }
    }
    if (capture !== undefined) capture += text.slice(segmentStart);
    if (keyBuffer !== undefined) keyBuffer += text.slice(segmentStart);
  }
  if (inString || depth !== 0) throw new JsonStreamError(line, 'the JSON document ends early (truncated file?)');
  if (recordDepth === undefined) throw new JsonStreamError(1, 'a JSON document needs a top-level array, or an array under "data"');
}
