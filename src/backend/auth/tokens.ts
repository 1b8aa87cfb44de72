/**
 * API bearer tokens: "clk_" + 32 random bytes in base64url (43 characters). Only the SHA-256 of a token
 * is stored; a presented token is hashed and looked up by hash, and the hashes are compared again in
 * constant time so no byte-by-byte comparison of secret material depends on the input.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RandomBytes } from '../../util/clock.js';

const PREFIX = 'clk_';
const TOKEN_PATTERN = /^clk_[A-Za-z0-9_-]{43}$/;
export const TOKEN_BYTES = 32;

export function generateToken(random: RandomBytes): string {
  return `${PREFIX}${Buffer.from(random(TOKEN_BYTES)).toString('base64url')}`;
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** The token of an `Authorization: Bearer <token>` header; undefined when the header is absent. */
export function bearerToken(header: string | undefined): string | undefined | null {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1] ?? null;
}

/** A short random id for rows (users, tokens), e.g. "usr_3q2p...". */
export function newId(prefix: string, random: RandomBytes): string {
  return `${prefix}_${Buffer.from(random(12)).toString('base64url')}`;
}
