import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket from 'mqtt-packet';
import fc from 'fast-check';
import { fuzz } from '../../test/helpers/fuzz.js';
import { MqttPacketGuard } from './packet-guard.js';

const publish = (size: number) =>
  mqttPacket.generate({
    cmd: 'publish',
    topic: 't',
    payload: Buffer.alloc(size),
    qos: 0,
    retain: false,
    dup: false,
  });

test('packets within the limit pass, in one chunk or split at every byte', () => {
  const stream = Buffer.concat([
    mqttPacket.generate({ cmd: 'pingreq' }),
    publish(200),
    publish(16_000),
    mqttPacket.generate({ cmd: 'disconnect' }),
  ]);
  assert.equal(new MqttPacketGuard(20_000).feed(stream), undefined);
  const guard = new MqttPacketGuard(20_000);
  for (const byte of stream) assert.equal(guard.feed(Buffer.of(byte)), undefined);
});

test('an oversized packet is refused from its header, before its body arrives', () => {
  const big = publish(300_000);
  const guard = new MqttPacketGuard(131_072 + 1024);
  const verdict = guard.feed(big.subarray(0, 5));
  assert.match(verdict ?? '', /exceeds the limit of 132096/);
});

test('a fifth remaining-length byte is malformed', () => {
  const verdict = new MqttPacketGuard(Number.MAX_SAFE_INTEGER).feed(
    Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
  );
  assert.match(verdict ?? '', /malformed/);
});

test('boundaries track a real packet stream for any chunking (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 30 }),
      (sizes, cuts) => {
        const stream = Buffer.concat(sizes.map(publish));
        const limit = Math.max(...sizes) + 3;
        const guard = new MqttPacketGuard(limit);
        let offset = 0;
        let i = 0;
        while (offset < stream.length) {
          const n = cuts[i++ % cuts.length] ?? 1;
          if (guard.feed(stream.subarray(offset, offset + n)) !== undefined) return false;
          offset += n;
        }
        // One byte less than the largest packet's remaining length must trip on that packet.
        const strict = new MqttPacketGuard(Math.max(...sizes) + 2);
        return strict.feed(stream) !== undefined;
      },
    ),
    fuzz(200),
  );
});
