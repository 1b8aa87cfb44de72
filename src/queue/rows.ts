/** How message attributes and ids are stored: attributes as JSON with binary values in base64. */
import type { MessageAttributes, MessageAttributeValue } from './md5.js';

interface StoredAttribute {
  t: string;
  s?: string;
  b?: string;
}

export function attributesToJson(attributes: MessageAttributes): string | null {
  const entries = Object.entries(attributes);
  if (entries.length === 0) return null;
  const stored: Record<string, StoredAttribute> = {};
  for (const [name, v] of entries) {
    stored[name] = {
      t: v.DataType,
      ...(v.StringValue !== undefined ? { s: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { b: Buffer.from(v.BinaryValue).toString('base64') } : {}),
    };
  }
  return JSON.stringify(stored);
}

export function attributesFromJson(json: string | null): MessageAttributes {
  if (json === null) return {};
  const stored = JSON.parse(json) as Record<string, StoredAttribute>;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, v] of Object.entries(stored)) {
    out[name] = {
      DataType: v.t,
      ...(v.s !== undefined ? { StringValue: v.s } : {}),
      ...(v.b !== undefined ? { BinaryValue: Buffer.from(v.b, 'base64') } : {}),
    };
  }
  return out;
}

/** RFC 9562 version 4 UUID from 16 random bytes (the form SQS message ids take). */
export function uuidFrom(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
