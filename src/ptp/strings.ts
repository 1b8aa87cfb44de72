/**
 * Strings of PTP (ISO 15740 §5.3.4): uint8 count of UTF-16 code units including the terminating NUL,
 * then the units little-endian; the empty string is the single byte 00; at most 255 units. And the
 * NUL-terminated UTF-16LE friendly names of PTP/IP's init packets (no count; the NUL ends them).
 */
import { PtpCodecError } from './errors.js';
import type { PtpReader } from './reader.js';
import type { PtpWriter } from './writer.js';

/** Longest PTP string: 254 units + NUL. */
export const MAX_PTP_STRING_UNITS = 254;
/** Friendly names are bounded too, so a missing NUL cannot make us read the whole packet as text. */
export const MAX_FRIENDLY_NAME_UNITS = 255;

export function writePtpString(w: PtpWriter, text: string): void {
  if (text === '') {
    w.u8(0);
    return;
  }
  if (text.includes('\u0000')) throw new PtpCodecError('PTP_STRING_INVALID', 'PTP strings cannot hold NUL');
  if (text.length > MAX_PTP_STRING_UNITS) {
    throw new PtpCodecError(
      'PTP_STRING_INVALID',
      `PTP strings hold at most ${MAX_PTP_STRING_UNITS} UTF-16 units, not ${text.length}`,
    );
  }
  w.u8(text.length + 1);
  w.bytes(Buffer.from(`${text}\u0000`, 'utf16le'));
}

export function readPtpString(r: PtpReader, what = 'string'): string {
  const units = r.u8(`${what} length`);
  if (units === 0) return '';
  const raw = r.bytes(units * 2, what);
  if (raw.readUInt16LE(raw.length - 2) !== 0) {
    throw new PtpCodecError('PTP_STRING_INVALID', `${what}: the last unit is not NUL`);
  }
  const text = raw.subarray(0, raw.length - 2).toString('utf16le');
  if (text.includes('\u0000'))
    throw new PtpCodecError('PTP_STRING_INVALID', `${what}: NUL inside the string`);
  return text;
}

export function writeFriendlyName(w: PtpWriter, name: string): void {
  if (name.includes('\u0000') || name.length > MAX_FRIENDLY_NAME_UNITS) {
    throw new PtpCodecError(
      'PTP_STRING_INVALID',
      `friendly names are 0-${MAX_FRIENDLY_NAME_UNITS} units without NUL`,
    );
  }
  w.bytes(Buffer.from(`${name}\u0000`, 'utf16le'));
}

export function readFriendlyName(r: PtpReader): string {
  const units: number[] = [];
  for (;;) {
    const unit = r.u16('friendly name');
    if (unit === 0) break;
    if (units.length === MAX_FRIENDLY_NAME_UNITS) {
      throw new PtpCodecError(
        'PTP_STRING_INVALID',
        `friendly name longer than ${MAX_FRIENDLY_NAME_UNITS} units`,
      );
    }
    units.push(unit);
  }
  return String.fromCharCode(...units);
}
