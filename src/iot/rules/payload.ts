/**
 * How a rule reads a message payload (AWS IoT Developer Guide, "SELECT clause" and "Working with binary
 * payloads"): a payload that is a UTF-8 JSON object is the document that field references and `*` read.
 * Anything else (binary data, invalid UTF-8 or JSON, a JSON array, string or number) has no fields: every
 * field reference is Undefined and `*` contributes no keys. AWS would pass such a payload through
 * `SELECT *` as raw bytes; camlink's actions take JSON objects only (docs/rules.md, "Differences").
 */
import { isJsonObject, type JsonValue } from './values.js';

/**
 * Deeper documents are treated as not JSON: evaluation, equality and serialization recurse, and a
 * 128 KB payload could otherwise nest deep enough to exhaust the stack.
 */
export const PAYLOAD_MAX_DEPTH = 100;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether the JSON text nests arrays/objects deeper than `max`, scanning without recursion. */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x7b || ch === 0x5b) {
      depth += 1;
      if (depth > max) return true;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}

/** The payload as a JSON object, or undefined when it is not one. Never throws. */
export function payloadDocument(payload: Uint8Array): { [key: string]: JsonValue } | undefined {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return undefined;
  }
  if (nestsDeeperThan(text, PAYLOAD_MAX_DEPTH)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const value = parsed as JsonValue;
  return isJsonObject(value) ? value : undefined;
}
