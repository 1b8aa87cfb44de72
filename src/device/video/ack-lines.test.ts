/** The PutMedia acknowledgement lines: split anywhere, blank lines skipped, bounded, typed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzz } from '../../../test/helpers/fuzz.js';
import { AckLineParser, parseAckLine, type PutMediaAck } from './ack-lines.js';

const STREAM =
  '{"EventType":"BUFFERING","FragmentTimecode":252467,"FragmentNumber":"12345678901234567890123456781729223736853277017"}\n' +
  '\n' +
  '{"EventType":"RECEIVED","FragmentTimecode":252467,"FragmentNumber":"12345678901234567890123456781729223736853277017"}\r\n' +
  '{"EventType":"IDLE"}\n' +
  '{"EventType":"ERROR","FragmentTimecode":0,"FragmentNumber":"913","ErrorCode":"FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS","ErrorId":4004}\n';

const EXPECTED: PutMediaAck[] = [
  {
    type: 'BUFFERING',
    fragmentTimecode: 252467,
    fragmentNumber: '12345678901234567890123456781729223736853277017',
  },
  {
    type: 'RECEIVED',
    fragmentTimecode: 252467,
    fragmentNumber: '12345678901234567890123456781729223736853277017',
  },
  { type: 'IDLE' },
  {
    type: 'ERROR',
    fragmentTimecode: 0,
    fragmentNumber: '913',
    errorCode: 'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS',
    errorId: 4004,
  },
];

test('AckLineParser: the same events however the bytes are split', () => {
  const bytes = Buffer.from(STREAM);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }), (cuts) => {
      const parser = new AckLineParser();
      const events: PutMediaAck[] = [];
      let start = 0;
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        events.push(...parser.push(bytes.subarray(start, cut)));
        start = cut;
      }
      events.push(...parser.push(bytes.subarray(start)), ...parser.end());
      assert.deepEqual(events, EXPECTED);
    }),
    fuzz(100),
  );
});

test('AckLineParser: a last line without newline is read at end()', () => {
  const parser = new AckLineParser();
  assert.deepEqual(parser.push(Buffer.from('{"EventType":"PERSISTED","FragmentTimecode":5')), []);
  assert.deepEqual(parser.push(Buffer.from(',"FragmentNumber":"9"}')), []);
  assert.deepEqual(parser.end(), [{ type: 'PERSISTED', fragmentTimecode: 5, fragmentNumber: '9' }]);
  assert.deepEqual(parser.end(), []);
});

test('AckLineParser: a line longer than the bound fails, even without its newline', () => {
  const parser = new AckLineParser(64);
  assert.deepEqual(parser.push(Buffer.from(`{"EventType":"IDLE"}\n${'x'.repeat(40)}`)), [{ type: 'IDLE' }]);
  assert.throws(() => parser.push(Buffer.from('y'.repeat(40))), { code: 'DEVICE_KVS_FAILED' });
  // Exactly the bound is fine.
  const exact = new AckLineParser(20);
  assert.deepEqual(exact.push(Buffer.from('{"EventType":"IDLE"}\n')), [{ type: 'IDLE' }]);
});

test('parseAckLine: not JSON, not an object, or an unknown event type is refused', () => {
  for (const line of ['nope', '[]', '{"EventType":"DONE"}', '{"FragmentTimecode":1}', 'null']) {
    assert.throws(() => parseAckLine(line), { code: 'DEVICE_KVS_FAILED' }, line);
  }
  // Wrongly typed fields are dropped, not guessed.
  assert.deepEqual(parseAckLine('{"EventType":"RECEIVED","FragmentTimecode":"1","ErrorId":"x"}'), {
    type: 'RECEIVED',
  });
});
