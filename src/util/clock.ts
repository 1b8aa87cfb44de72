/** Injectable time and randomness, so expiry and serial numbers are testable without sleeps. */
import { randomBytes as nodeRandomBytes } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export type RandomBytes = (size: number) => Uint8Array;

export const systemClock: Clock = { now: () => new Date() };

export const systemRandom: RandomBytes = (size) => new Uint8Array(nodeRandomBytes(size));

export const DAY_MS = 24 * 60 * 60 * 1000;
