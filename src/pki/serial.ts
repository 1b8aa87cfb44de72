/**
 * Certificate serial numbers (RFC 5280 4.1.2.2): positive, at most 20 octets, unique per CA. We use 16
 * random octets (CA/B Forum asks for 64+ bits of entropy) with the top bit clear so the DER INTEGER is
 * positive without padding, and re-draw on the (astronomically rare) collision with an issued serial.
 */
import type { RandomBytes } from '../util/clock.js';

const SERIAL_OCTETS = 16;
const MAX_DRAWS = 8;

export function newSerial(random: RandomBytes, taken: (serial: string) => boolean): string {
  for (let i = 0; i < MAX_DRAWS; i++) {
    const bytes = random(SERIAL_OCTETS);
    bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40; // positive, and no leading zero octet to strip
    const serial = Buffer.from(bytes).toString('hex');
    if (!taken(serial)) return serial;
  }
  throw new Error(`no unique serial number after ${MAX_DRAWS} draws: the random source is broken`);
}
