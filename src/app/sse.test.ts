import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzz } from '../../test/helpers/fuzz.js';
import { SseParser, type SseEvent } from './sse.js';

function parse(chunks: (string | Uint8Array)[]): { events: SseEvent[]; comments: string[]; retry: number[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const retry: number[] = [];
  const parser = new SseParser({
    onEvent: (e) => events.push(e),
    onComment: (c) => comments.push(c),
    onRetry: (ms) => retry.push(ms),
  });
  for (const chunk of chunks) parser.push(chunk);
  return { events, comments, retry };
}

test('WHATWG examples: multi-line data, ids, comments, default type', () => {
  const { events, comments } = parse([
    ': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n',
  ]);
  assert.deepEqual(comments, ['test stream']);
  assert.deepEqual(events, [
    { type: 'message', data: 'first event', lastEventId: '1' },
    { type: 'message', data: 'second event', lastEventId: '' },
    { type: 'message', data: ' third event', lastEventId: '' },
  ]);
  const two = parse(['data\n\ndata\ndata\n\ndata:\n']);
  assert.deepEqual(
    two.events.map((e) => e.data),
    ['', '\n'],
    'a final event without its blank line is not dispatched',
  );
});

test('camlink frames: event type, JSON data, retry, heartbeat', () => {
  const { events, comments, retry } = parse([
    'retry: 3000\n\n: heartbeat\n\nid: 17\nevent: upload.completed\ndata: {"id":"17"}\n\n',
  ]);
  assert.deepEqual(retry, [3000]);
  assert.deepEqual(comments, ['heartbeat']);
  assert.deepEqual(events, [{ type: 'upload.completed', data: '{"id":"17"}', lastEventId: '17' }]);
});

test('CR, LF and CR LF line ends; a CR LF split across chunks is one line end', () => {
  const { events } = parse(['data: a\r', '\n\r\ndata: b\r\rdata: c\n\n']);
  assert.deepEqual(
    events.map((e) => e.data),
    ['a', 'b', 'c'],
  );
});

test('any chunking of the bytes gives the same events (UTF-8 cut mid-character too)', () => {
  const stream = Buffer.from(
    'id: 1\nevent: upload.completed\ndata: {"name":"Kamera ü 📷"}\n\n: hb\n\ndata: x\ndata: y\n\n',
  );
  const whole = parse([stream]).events;
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 10 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const chunks: Uint8Array[] = [];
      let at = 0;
      for (const p of [...points, stream.length]) {
        chunks.push(stream.subarray(at, p));
        at = p;
      }
      assert.deepEqual(parse(chunks).events, whole);
    }),
    fuzz(300),
  );
});

test('an endless line is refused instead of buffered', () => {
  const parser = new SseParser({ onEvent: () => undefined, maxLineBytes: 16 });
  assert.throws(() => parser.push('data: 0123456789abcdef'), /longer than 16/);
});
