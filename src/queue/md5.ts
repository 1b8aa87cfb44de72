/**
 * The checksums SQS returns (SQS Developer Guide, "Calculating the MD5 message digest for message
 * attributes"): MD5OfMessageBody is the MD5 of the body's UTF-8 bytes; MD5OfMessageAttributes is the MD5
 * of the attributes sorted by name, each encoded as length-prefixed (4-byte big-endian) name, data type,
 * one transport byte (1 = String/Number, 2 = Binary) and length-prefixed value.
 */
import { createHash } from 'node:crypto';

export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string | undefined;
  /** Base64 on the wire; raw bytes here. */
  readonly BinaryValue?: Uint8Array | undefined;
}

export type MessageAttributes = Readonly<Record<string, MessageAttributeValue>>;

export function md5Hex(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

function lengthPrefixed(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  out.set(bytes, 4);
  return out;
}

/** Binary data types are "Binary" optionally followed by ".label"; everything else travels as a string. */
export function isBinaryType(dataType: string): boolean {
  return dataType === 'Binary' || dataType.startsWith('Binary.');
}

export function md5OfMessageAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const value = attributes[name];
    if (value === undefined) continue;
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(value.DataType, 'utf8')));
    if (isBinaryType(value.DataType)) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(value.BinaryValue ?? new Uint8Array()));
    } else {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
}

/** Size SQS counts against MaximumMessageSize: body plus every attribute's name, type and value. */
export function messageSize(body: string, attributes: MessageAttributes): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType, 'utf8');
    size += value.BinaryValue?.length ?? Buffer.byteLength(value.StringValue ?? '', 'utf8');
  }
  return size;
}
