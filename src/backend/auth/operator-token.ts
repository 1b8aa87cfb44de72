/**
 * The operator token's bootstrap. Its file (backend.operatorTokenFile, mode 0600) is the source: on
 * start the backend reads it, or generates it when absent, and makes sure the store holds its hash.
 * Replicas sharing one PostgreSQL database are given the same file. To rotate, revoke the old token
 * and replace the file.
 */
import { readFile } from 'node:fs/promises';
import { CamlinkError, systemErrorCode } from '../../errors/camlink-error.js';
import { SECRET_FILE_MODE, writeFileAtomic } from '../../util/atomic-file.js';
import type { Clock, RandomBytes } from '../../util/clock.js';
import type { BackendStore } from '../store/types.js';
import { generateToken, hashToken, isWellFormedToken } from './tokens.js';

export interface OperatorToken {
  readonly token: string;
  /** True when this call generated the token (the caller prints it once). */
  readonly created: boolean;
}

export async function ensureOperatorToken(
  store: BackendStore,
  path: string,
  clock: Clock,
  random: RandomBytes,
): Promise<OperatorToken> {
  let token = await readTokenFile(path);
  let created = false;
  if (token === undefined) {
    token = generateToken(random);
    await writeFileAtomic(path, `${token}\n`, { mode: SECRET_FILE_MODE, overwrite: false });
    created = true;
  }
  const tokenHash = hashToken(token);
  const existing = await store.findTokenByHash(tokenHash);
  if (existing?.revokedAt !== undefined) {
    throw new CamlinkError(
      'CONFIG_INVALID',
      `the operator token in ${path} is revoked; remove the file to generate a new one`,
    );
  }
  if (existing === undefined) {
    await store.createToken({
      id: `op_${tokenHash.slice(0, 16)}`,
      userId: undefined,
      scope: 'operator',
      tokenHash,
      createdAt: clock.now().getTime(),
      lastUsedAt: undefined,
      revokedAt: undefined,
    });
  } else if (existing.scope !== 'operator') {
    throw new CamlinkError('CONFIG_INVALID', `the token in ${path} is a user token, not the operator's`);
  }
  return { token, created };
}

async function readTokenFile(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return undefined;
    throw new CamlinkError('FILE_UNREADABLE', `cannot read the operator token file ${path}`, { cause: err });
  }
  const token = text.trim();
  if (!isWellFormedToken(token)) {
    throw new CamlinkError('CONFIG_INVALID', `${path} does not hold a camlink token (clk_ + 43 characters)`);
  }
  return token;
}
