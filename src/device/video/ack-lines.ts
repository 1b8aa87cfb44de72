/**
 * The PutMedia acknowledgement stream (KVS "PutMedia" response): newline-separated JSON objects,
 * `{"EventType":"BUFFERING"|"RECEIVED"|"PERSISTED"|"ERROR"|"IDLE","FragmentTimecode":n,
 * "FragmentNumber":"…","ErrorId":n,"ErrorCode":"…"}`, arriving while the request is still written.
 * `AckLineParser` takes the response bytes split anywhere, keeps at most `maxLineBytes` of an
 * unfinished line, skips blank lines and returns typed events.
 */
import { CamlinkError } from '../../errors/camlink-error.js';

export const ACK_EVENT_TYPES = ['BUFFERING', 'RECEIVED', 'PERSISTED', 'ERROR', 'IDLE'] as const;
export type AckEventType = (typeof ACK_EVENT_TYPES)[number];

export interface PutMediaAck {
  readonly type: AckEventType;
  /** The fragment's timecode in the stream's timecode units (absent for IDLE). */
  readonly fragmentTimecode?: number;
  /** A decimal string of up to 128 digits: kept as a string. */
  readonly fragmentNumber?: string;
  readonly errorId?: number;
  readonly errorCode?: string;
}

export const DEFAULT_MAX_ACK_LINE_BYTES = 4096;

export class AckLineParser {
  readonly #maxLineBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(maxLineBytes = DEFAULT_MAX_ACK_LINE_BYTES) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** The events completed by this chunk, in order. */
  push(chunk: Buffer): PutMediaAck[] {
    const events: PutMediaAck[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      this.#append(chunk.subarray(start, nl));
      const line = Buffer.concat(this.#pending).toString('utf8').trim();
      this.#pending = [];
      this.#pendingBytes = 0;
      if (line.length > 0) events.push(parseAckLine(line));
      start = nl + 1;
    }
    this.#append(chunk.subarray(start));
    return events;
  }

  /** The last line when the response ends without a newline. */
  end(): PutMediaAck[] {
    const line = Buffer.concat(this.#pending).toString('utf8').trim();
    this.#pending = [];
    this.#pendingBytes = 0;
    return line.length > 0 ? [parseAckLine(line)] : [];
  }

  #append(part: Buffer): void {
    if (part.length === 0) return;
    this.#pendingBytes += part.length;
    if (this.#pendingBytes > this.#maxLineBytes) {
      throw new CamlinkError(
        'DEVICE_KVS_FAILED',
        `PutMedia acknowledgement line longer than ${this.#maxLineBytes} bytes`,
      );
    }
    this.#pending.push(part);
  }
}

export function parseAckLine(line: string): PutMediaAck {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw invalid(line);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid(line);
  const o = json as Record<string, unknown>;
  const type = o['EventType'];
  if (typeof type !== 'string' || !(ACK_EVENT_TYPES as readonly string[]).includes(type)) throw invalid(line);
  const timecode = o['FragmentTimecode'];
  const number = o['FragmentNumber'];
  const errorId = o['ErrorId'];
  const errorCode = o['ErrorCode'];
  return {
    type: type as AckEventType,
    ...(typeof timecode === 'number' && Number.isFinite(timecode) ? { fragmentTimecode: timecode } : {}),
    ...(typeof number === 'string' ? { fragmentNumber: number } : {}),
    ...(typeof errorId === 'number' ? { errorId } : {}),
    ...(typeof errorCode === 'string' ? { errorCode } : {}),
  };
}

function invalid(line: string): CamlinkError {
  return new CamlinkError('DEVICE_KVS_FAILED', `not a PutMedia acknowledgement: ${line.slice(0, 120)}`);
}
