/**
 * PTP/IP packets (CIPA DC-005 §2.3; layouts as libgphoto2 2.5.30 reads and writes them, see
 * docs/ptpip.md "Packets"): uint32 length (including the 8-byte header), uint32 type, payload,
 * all little-endian. encodePacket/decodePacket are exact inverses; decodePacket checks every length
 * and refuses trailing bytes.
 */
import { PacketType, PTPIP_VERSION } from './codes.js';
import { PtpCodecError } from './errors.js';
import { PtpReader } from './reader.js';
import { readFriendlyName, writeFriendlyName } from './strings.js';
import { PtpWriter } from './writer.js';

export const HEADER_BYTES = 8;
/** Operation Requests carry up to 5 parameters, Events up to 3 (ISO 15740 §9.3). */
export const MAX_OPERATION_PARAMS = 5;
export const MAX_EVENT_PARAMS = 3;

export type Packet =
  | { type: 'InitCommandRequest'; guid: Buffer; friendlyName: string; protocolVersion: number }
  | {
      type: 'InitCommandAck';
      connectionNumber: number;
      guid: Buffer;
      friendlyName: string;
      protocolVersion: number;
    }
  | { type: 'InitEventRequest'; connectionNumber: number }
  | { type: 'InitEventAck' }
  | { type: 'InitFail'; reason: number }
  | { type: 'OperationRequest'; dataPhase: number; code: number; transactionId: number; params: number[] }
  | { type: 'OperationResponse'; code: number; transactionId: number; params: number[] }
  | { type: 'Event'; code: number; transactionId: number; params: number[] }
  | { type: 'StartData'; transactionId: number; totalLength: number }
  | { type: 'Data'; transactionId: number; data: Buffer }
  | { type: 'EndData'; transactionId: number; data: Buffer }
  | { type: 'Cancel'; transactionId: number }
  | { type: 'ProbeRequest' }
  | { type: 'ProbeResponse' };

export type PacketName = Packet['type'];

const GUID_BYTES = 16;

export function encodePacket(packet: Packet): Buffer {
  const w = new PtpWriter();
  switch (packet.type) {
    case 'InitCommandRequest':
      guid(w, packet.guid);
      writeFriendlyName(w, packet.friendlyName);
      w.u32(packet.protocolVersion);
      break;
    case 'InitCommandAck':
      w.u32(packet.connectionNumber);
      guid(w, packet.guid);
      writeFriendlyName(w, packet.friendlyName);
      w.u32(packet.protocolVersion);
      break;
    case 'InitEventRequest':
      w.u32(packet.connectionNumber);
      break;
    case 'InitFail':
      w.u32(packet.reason);
      break;
    case 'OperationRequest':
      params(packet.params, MAX_OPERATION_PARAMS);
      w.u32(packet.dataPhase).u16(packet.code).u32(packet.transactionId);
      for (const p of packet.params) w.u32(p);
      break;
    case 'OperationResponse':
    case 'Event':
      params(packet.params, packet.type === 'Event' ? MAX_EVENT_PARAMS : MAX_OPERATION_PARAMS);
      w.u16(packet.code).u32(packet.transactionId);
      for (const p of packet.params) w.u32(p);
      break;
    case 'StartData':
      w.u32(packet.transactionId).u64(packet.totalLength);
      break;
    case 'Data':
    case 'EndData':
      w.u32(packet.transactionId).bytes(packet.data);
      break;
    case 'Cancel':
      w.u32(packet.transactionId);
      break;
    case 'InitEventAck':
    case 'ProbeRequest':
    case 'ProbeResponse':
      break;
  }
  const payload = w.toBuffer();
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(HEADER_BYTES + payload.length, 0);
  header.writeUInt32LE(PacketType[packet.type], 4);
  return Buffer.concat([header, payload]);
}

/** Decodes one packet's payload (without the 8-byte header). */
export function decodePacket(type: number, payload: Buffer): Packet {
  const r = new PtpReader(payload);
  let packet: Packet;
  switch (type) {
    case PacketType.InitCommandRequest: {
      const g = r.bytes(GUID_BYTES, 'GUID');
      const friendlyName = readFriendlyName(r);
      packet = {
        type: 'InitCommandRequest',
        guid: Buffer.from(g),
        friendlyName,
        protocolVersion: r.u32('version'),
      };
      break;
    }
    case PacketType.InitCommandAck: {
      const connectionNumber = r.u32('connection number');
      const g = r.bytes(GUID_BYTES, 'GUID');
      const friendlyName = readFriendlyName(r);
      packet = {
        type: 'InitCommandAck',
        connectionNumber,
        guid: Buffer.from(g),
        friendlyName,
        protocolVersion: r.u32('version'),
      };
      break;
    }
    case PacketType.InitEventRequest:
      packet = { type: 'InitEventRequest', connectionNumber: r.u32('connection number') };
      break;
    case PacketType.InitEventAck:
      packet = { type: 'InitEventAck' };
      break;
    case PacketType.InitFail:
      packet = { type: 'InitFail', reason: r.u32('reason') };
      break;
    case PacketType.OperationRequest: {
      const dataPhase = r.u32('data phase');
      const code = r.u16('operation code');
      const transactionId = r.u32('transaction id');
      packet = {
        type: 'OperationRequest',
        dataPhase,
        code,
        transactionId,
        params: readParams(r, MAX_OPERATION_PARAMS),
      };
      break;
    }
    case PacketType.OperationResponse: {
      const code = r.u16('response code');
      const transactionId = r.u32('transaction id');
      packet = {
        type: 'OperationResponse',
        code,
        transactionId,
        params: readParams(r, MAX_OPERATION_PARAMS),
      };
      break;
    }
    case PacketType.Event: {
      const code = r.u16('event code');
      const transactionId = r.u32('transaction id');
      packet = { type: 'Event', code, transactionId, params: readParams(r, MAX_EVENT_PARAMS) };
      break;
    }
    case PacketType.StartData:
      packet = {
        type: 'StartData',
        transactionId: r.u32('transaction id'),
        totalLength: r.u64('total length'),
      };
      break;
    case PacketType.Data:
      packet = { type: 'Data', transactionId: r.u32('transaction id'), data: Buffer.from(r.rest()) };
      break;
    case PacketType.EndData:
      packet = { type: 'EndData', transactionId: r.u32('transaction id'), data: Buffer.from(r.rest()) };
      break;
    case PacketType.Cancel:
      packet = { type: 'Cancel', transactionId: r.u32('transaction id') };
      break;
    case PacketType.ProbeRequest:
      packet = { type: 'ProbeRequest' };
      break;
    case PacketType.ProbeResponse:
      packet = { type: 'ProbeResponse' };
      break;
    default:
      throw new PtpCodecError('PTP_UNKNOWN_PACKET', `unknown PTP/IP packet type 0x${type.toString(16)}`);
  }
  r.end(packet.type);
  return packet;
}

function readParams(r: PtpReader, max: number): number[] {
  if (r.remaining % 4 !== 0) {
    throw new PtpCodecError(
      'PTP_LENGTH_INVALID',
      `parameters must be whole uint32s, ${r.remaining} bytes left`,
    );
  }
  if (r.remaining / 4 > max) {
    throw new PtpCodecError('PTP_LENGTH_INVALID', `${r.remaining / 4} parameters, at most ${max} allowed`);
  }
  const out: number[] = [];
  while (r.remaining > 0) out.push(r.u32('parameter'));
  return out;
}

function params(values: readonly number[], max: number): void {
  if (values.length > max) throw new PtpCodecError('PTP_VALUE_INVALID', `at most ${max} parameters`);
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new PtpCodecError('PTP_VALUE_INVALID', `parameter ${v} is not a uint32`);
    }
  }
}

function guid(w: PtpWriter, value: Buffer): void {
  if (value.length !== GUID_BYTES) throw new PtpCodecError('PTP_VALUE_INVALID', 'a GUID is 16 bytes');
  w.bytes(value);
}

export { PTPIP_VERSION };
