/**
 * Byte vectors observed between gphoto2 2.5.28 (libgphoto2 2.5.30) and a responder
 * (docs/ptpip.md "Packets", bytes observed from gphoto2): each decodes to the expected packet and
 * encodes back to the same bytes. Then the framer over every cut of a stream, the limits, and a
 * fuzz property: arbitrary bytes end in packets or a PtpCodecError, nothing else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzz } from '../../test/helpers/fuzz.js';
import { PTPIP_VERSION } from './codes.js';
import { PtpCodecError } from './errors.js';
import { PacketFramer } from './framer.js';
import { decodePacket, encodePacket, HEADER_BYTES, type Packet } from './packets.js';

const GUID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const hex = (s: string) => Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');
const utf16z = (s: string) => Buffer.from(`${s}\u0000`, 'utf16le').toString('hex');

const vectors: [string, string, Packet][] = [
  [
    'Init Command Request (hostname "vm")',
    `22000000 01000000 ${GUID.toString('hex')} 7600 6d00 0000 0000 0100`,
    { type: 'InitCommandRequest', guid: GUID, friendlyName: 'vm', protocolVersion: PTPIP_VERSION },
  ],
  [
    'Init Command Ack ("SimCam X1")',
    `34000000 02000000 01000000 ${GUID.toString('hex')} ${utf16z('SimCam X1')} 00000100`,
    {
      type: 'InitCommandAck',
      connectionNumber: 1,
      guid: GUID,
      friendlyName: 'SimCam X1',
      protocolVersion: PTPIP_VERSION,
    },
  ],
  ['Init Event Request', '0c000000 03000000 01000000', { type: 'InitEventRequest', connectionNumber: 1 }],
  ['Init Event Ack', '08000000 04000000', { type: 'InitEventAck' }],
  ['Init Fail (busy)', '0c000000 05000000 02000000', { type: 'InitFail', reason: 2 }],
  [
    'OpenSession (tid 0, session 1)',
    '16000000 06000000 01000000 0210 00000000 01000000',
    { type: 'OperationRequest', dataPhase: 1, code: 0x1002, transactionId: 0, params: [1] },
  ],
  [
    'OK response (tid 0)',
    '0e000000 07000000 0120 00000000',
    { type: 'OperationResponse', code: 0x2001, transactionId: 0, params: [] },
  ],
  [
    'GetDeviceInfo (tid 1)',
    '12000000 06000000 01000000 0110 01000000',
    { type: 'OperationRequest', dataPhase: 1, code: 0x1001, transactionId: 1, params: [] },
  ],
  [
    'Start Data (197 bytes follow)',
    '14000000 09000000 01000000 c500000000000000',
    { type: 'StartData', transactionId: 1, totalLength: 197 },
  ],
  ['Data', '0f000000 0a000000 07000000 616263', { type: 'Data', transactionId: 7, data: Buffer.from('abc') }],
  [
    'End Data (empty)',
    '0c000000 0c000000 07000000',
    { type: 'EndData', transactionId: 7, data: Buffer.alloc(0) },
  ],
  [
    'Event ObjectAdded(5), tid 5',
    '12000000 08000000 0240 05000000 05000000',
    { type: 'Event', code: 0x4002, transactionId: 5, params: [5] },
  ],
  ['Cancel', '0c000000 0b000000 09000000', { type: 'Cancel', transactionId: 9 }],
  ['Probe Request', '08000000 0d000000', { type: 'ProbeRequest' }],
  ['Probe Response', '08000000 0e000000', { type: 'ProbeResponse' }],
];

test('observed PTP/IP packets decode to their meaning and encode back byte for byte', () => {
  for (const [name, bytes, packet] of vectors) {
    const wire = hex(bytes);
    assert.equal(wire.readUInt32LE(0), wire.length, `${name}: the vector's length field`);
    assert.deepEqual(decodePacket(wire.readUInt32LE(4), wire.subarray(HEADER_BYTES)), packet, name);
    assert.deepEqual(encodePacket(packet), wire, name);
  }
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof PtpCodecError) return err.code;
    throw err;
  }
  return undefined;
}

test('malformed payloads are coded errors: truncation, trailing bytes, odd parameters, too many', () => {
  assert.equal(
    codeOf(() => decodePacket(0x06, hex('01000000 0210'))),
    'PTP_TRUNCATED',
  );
  assert.equal(
    codeOf(() => decodePacket(0x03, hex('01000000 00'))),
    'PTP_TRAILING_BYTES',
  );
  assert.equal(
    codeOf(() => decodePacket(0x07, hex('0120 00000000 0100'))),
    'PTP_LENGTH_INVALID',
  );
  assert.equal(
    codeOf(() => decodePacket(0x08, hex(`0240 00000000 ${'01000000'.repeat(4)}`))),
    'PTP_LENGTH_INVALID',
  );
  assert.equal(
    codeOf(() => decodePacket(0x01, hex(`${GUID.toString('hex')} 7600`))),
    'PTP_TRUNCATED',
    'no NUL',
  );
  assert.equal(
    codeOf(() => decodePacket(0x01, hex(`${GUID.toString('hex')} ${'4100'.repeat(300)} 0000 00000100`))),
    'PTP_STRING_INVALID',
  );
  assert.equal(
    codeOf(() => decodePacket(0x42, Buffer.alloc(0))),
    'PTP_UNKNOWN_PACKET',
  );
  assert.equal(
    codeOf(() => decodePacket(0x09, hex('01000000 ffffffffffffffff'))),
    'PTP_VALUE_INVALID',
  );
  assert.equal(
    codeOf(() =>
      encodePacket({
        type: 'OperationRequest',
        dataPhase: 1,
        code: 1,
        transactionId: 1,
        params: [1, 2, 3, 4, 5, 6],
      }),
    ),
    'PTP_VALUE_INVALID',
  );
  // Out-of-range fields are refused, not wrapped: op codes are uint16, ids uint32, lengths whole.
  for (const packet of [
    { type: 'OperationRequest', dataPhase: 1, code: 0x10000, transactionId: 1, params: [] },
    { type: 'OperationResponse', code: 0x2001, transactionId: 2 ** 32, params: [] },
    { type: 'Event', code: 0x4002, transactionId: -1, params: [] },
    { type: 'StartData', transactionId: 1, totalLength: 1.5 },
  ] as Packet[]) {
    assert.equal(
      codeOf(() => encodePacket(packet)),
      'PTP_VALUE_INVALID',
      JSON.stringify(packet),
    );
  }
});

test('the framer yields the same packets for every way the stream is cut', () => {
  const packets = vectors.map(([, , p]) => p);
  const stream = Buffer.concat(packets.map(encodePacket));
  for (let cut = 0; cut <= stream.length; cut++) {
    const framer = new PacketFramer();
    const got = [...framer.push(stream.subarray(0, cut)), ...framer.push(stream.subarray(cut))];
    assert.deepEqual(got, packets, `cut at ${cut}`);
    assert.equal(framer.pending, 0);
  }
  const byteByByte = new PacketFramer();
  const got: Packet[] = [];
  for (const byte of stream) got.push(...byteByByte.push(Buffer.from([byte])));
  assert.deepEqual(got, packets);
});

test('the framer refuses bad lengths and types from the header, before buffering a payload', () => {
  const limits = { maxDataPacketBytes: 1024, maxControlPacketBytes: 64 };
  assert.equal(
    codeOf(() => new PacketFramer(limits).push(hex('04000000 06000000'))),
    'PTP_LENGTH_INVALID',
  );
  assert.equal(
    codeOf(() => new PacketFramer(limits).push(hex('10000000 63000000'))),
    'PTP_UNKNOWN_PACKET',
  );
  assert.equal(
    codeOf(() => new PacketFramer(limits).push(hex('00010000 06000000'))),
    'PTP_TOO_LARGE',
  );
  assert.equal(
    codeOf(() => new PacketFramer(limits).push(hex('01040000 0a000000'))),
    'PTP_TOO_LARGE',
  );
  assert.deepEqual(
    new PacketFramer(limits).push(hex('00040000 0a000000')),
    [],
    'a 1 KiB data packet may come',
  );
});

test('fuzz: arbitrary bytes give packets or a PtpCodecError, never another exception', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 512 }), { maxLength: 8 }), (chunks) => {
      const framer = new PacketFramer({ maxDataPacketBytes: 4096, maxControlPacketBytes: 1024 });
      try {
        for (const c of chunks) framer.push(Buffer.from(c));
      } catch (err) {
        assert.ok(err instanceof PtpCodecError, String(err));
      }
    }),
    fuzz(2000),
  );
  // Valid headers with random payloads reach every decoder.
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 14 }), fc.uint8Array({ maxLength: 300 }), (type, payload) => {
      try {
        const packet = decodePacket(type, Buffer.from(payload));
        assert.deepEqual(
          encodePacket(packet).subarray(HEADER_BYTES),
          Buffer.from(payload),
          'decode is exact',
        );
      } catch (err) {
        assert.ok(err instanceof PtpCodecError, String(err));
      }
    }),
    fuzz(3000),
  );
});
