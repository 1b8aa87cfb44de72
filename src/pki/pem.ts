/**
 * Strict PEM (RFC 7468) reading: exactly one block of the expected label, base64 only, nothing but
 * whitespace around it. Anything else is PKI_PEM_MALFORMED rather than a parser exception.
 */
import { CamlinkError } from '../errors/camlink-error.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*?)\r?\n?-----END ([A-Z0-9 ]+)-----/g;

export function decodePem(text: string, labels: readonly string[], what: string): Uint8Array {
  const blocks = [...text.matchAll(BLOCK)];
  if (blocks.length === 0) {
    throw new CamlinkError('PKI_PEM_MALFORMED', `${what} is not PEM (no -----BEGIN ${labels[0]}----- block)`);
  }
  if (blocks.length > 1)
    throw new CamlinkError('PKI_PEM_MALFORMED', `${what} holds ${blocks.length} PEM blocks`);
  const block = blocks[0];
  if (block === undefined) throw new CamlinkError('PKI_PEM_MALFORMED', `${what} is not PEM`);
  const [whole, begin, body = '', end] = block;
  if (begin !== end)
    throw new CamlinkError('PKI_PEM_MALFORMED', `${what}: BEGIN ${begin} does not match END ${end}`);
  if (begin === undefined || !labels.includes(begin)) {
    throw new CamlinkError(
      'PKI_PEM_MALFORMED',
      `${what} is a ${begin ?? 'unknown'} PEM, expected ${labels[0]}`,
    );
  }
  const outside = text.replace(whole, '');
  if (outside.trim() !== '')
    throw new CamlinkError('PKI_PEM_MALFORMED', `${what} has text outside the PEM block`);
  const base64 = body.replace(/\r?\n/g, '');
  if (base64.length === 0 || base64.length % 4 !== 0 || /=[^=]/.test(base64)) {
    throw new CamlinkError('PKI_PEM_MALFORMED', `${what} has a corrupt base64 body`);
  }
  return new Uint8Array(Buffer.from(base64, 'base64'));
}
