/**
 * The user's event stream (GET /v1/events, server-sent events) read with fetch() and a ReadableStream,
 * because EventSource cannot send the Authorization header and the backend takes tokens only there.
 * Parsing follows the WHATWG event-stream format (id, event, data, retry fields; CR, LF or CRLF line
 * ends); after a dropped connection it reconnects with Last-Event-ID, so buffered events are replayed.
 */
import { ApiError, errorOf } from './api';

export interface BackendEvent {
  id: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export type StreamState = 'connecting' | 'open' | 'reconnecting';

interface Frame {
  id: string | undefined;
  event: string;
  data: string;
}

/** Splits an event stream into frames; feed it decoded text chunks. */
export class EventStreamParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly onRetry: (ms: number) => void,
  ) {}

  push(text: string): void {
    this.buffer += text;
    for (;;) {
      const match = /\r\n|\n|\r/.exec(this.buffer);
      // A CR at the very end may be the first half of a CRLF: wait for more.
      if (match === null || (match[0] === '\r' && match.index === this.buffer.length - 1)) return;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0)
        this.onFrame({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    else if (field === 'retry' && /^[0-9]+$/.test(value)) this.onRetry(Number(value));
  }
}

/** Follows the stream until `signal` aborts; rejects only on errors that retrying cannot fix. */
export async function followEvents(
  token: string,
  onEvent: (event: BackendEvent) => void,
  onState: (state: StreamState) => void,
  signal: AbortSignal,
): Promise<void> {
  let lastEventId: string | undefined;
  let retryMs = 3_000;
  let first = true;
  while (!signal.aborted) {
    onState(first ? 'connecting' : 'reconnecting');
    first = false;
    try {
      const res = await fetch('/v1/events', {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'text/event-stream',
          ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
        },
        cache: 'no-store',
        signal,
      });
      if (!res.ok) throw await errorOf(res);
      if (res.body === null) throw new ApiError(0, 'NETWORK', 'the event stream has no body');
      onState('open');
      const parser = new EventStreamParser(
        (frame) => {
          if (frame.id !== undefined) lastEventId = frame.id;
          try {
            onEvent(JSON.parse(frame.data) as BackendEvent);
          } catch {
            /* a frame that is not JSON is not ours: skip it */
          }
        },
        (ms) => (retryMs = ms),
      );
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && !err.retryable) throw err;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
