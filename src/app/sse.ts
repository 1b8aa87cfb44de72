/**
 * A server-sent-events parser (WHATWG HTML §9.2.6 "Interpreting an event stream"): lines end in CR LF,
 * LF or CR; `field: value` with one optional space after the colon; `data` lines join with LF; a blank
 * line dispatches; comment lines (starting with ':') are ignored except that the caller may observe
 * them (heartbeats); `id` with a NUL is ignored; `retry` must be all digits. Incremental: feed chunks
 * as they arrive, events come out as they complete. Bounded: a line longer than `maxLineBytes` is an
 * error instead of unbounded buffering.
 */
export interface SseEvent {
  readonly type: string;
  readonly data: string;
  /** The last event id seen so far in the stream (what Last-Event-ID carries on reconnect). */
  readonly lastEventId: string;
}

export interface SseParserOptions {
  readonly onEvent: (event: SseEvent) => void;
  readonly onComment?: (text: string) => void;
  readonly onRetry?: (ms: number) => void;
  readonly maxLineBytes?: number;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private type = '';
  private lastEventId = '';
  private sawCr = false;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly maxLine: number;

  constructor(private readonly options: SseParserOptions) {
    this.maxLine = options.maxLineBytes ?? 1024 * 1024;
  }

  /** Feeds bytes (UTF-8, possibly cut anywhere) or text. */
  push(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1); // CR LF split across chunks
    this.sawCr = false;
    this.buffer += text;
    for (;;) {
      const match = /\r\n|\n|\r/.exec(this.buffer);
      if (match === null) break;
      // A lone CR at the very end may be the first half of CR LF: remember it.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) this.sawCr = true;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
    if (this.buffer.length > this.maxLine) {
      throw new Error(`event stream line longer than ${this.maxLine} characters`);
    }
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.options.onComment?.(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.options.onRetry?.(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private dispatch(): void {
    if (this.data.length === 0) {
      this.type = '';
      return;
    }
    const event: SseEvent = {
      type: this.type === '' ? 'message' : this.type,
      data: this.data.join('\n'),
      lastEventId: this.lastEventId,
    };
    this.data = [];
    this.type = '';
    this.options.onEvent(event);
  }
}
