/**
 * Makes the connected fleet known to the backend as a real fleet is: the operator registers each device
 * id (POST /v1/devices, with its certificate id), and one sim user pairs with every camera by the
 * pairing contract (a backend challenge signed with the device key, docs/architecture.md flow 3). Ownership
 * matters: the backend reports a reconciled upload (`upload.completed`) on its owner's event stream.
 * Pairing checks the signature against the thing's certificates, so it runs after the first connect
 * (JITP) attached them. The user's token is kept in DATA_DIR/sim/user.json (0600); devices already
 * registered or paired (a rerun) are skipped.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackendClient } from '../app/backend-client.js';
import { isCamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import { SECRET_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';
import type { SimIdentity } from './identities.js';

const ENROLL_CONCURRENCY = 16;

export interface EnrollOptions {
  readonly dataDir: string;
  readonly apiUrl: string;
  readonly ca: Buffer;
  readonly operator: BackendClient;
  readonly identities: readonly SimIdentity[];
  readonly signal: AbortSignal;
  readonly progress: (done: number, total: number) => void;
}

/** Returns the sim user's client (its event stream reports the fleet's reconciled uploads). */
export async function enrollFleet(options: EnrollOptions): Promise<BackendClient> {
  const user = await simUser(options);
  const registered = new Set((await options.operator.listDevices()).devices.map((d) => d.deviceId));
  const owned = new Set((await user.listDevices()).devices.map((d) => d.deviceId));
  const todo = options.identities.filter((i) => !owned.has(i.deviceId));
  let next = 0;
  let done = 0;
  options.progress(0, todo.length);
  const worker = async () => {
    while (next < todo.length && !options.signal.aborted) {
      const identity = todo[next++];
      if (identity === undefined) break;
      if (!registered.has(identity.deviceId)) {
        await retried(() => options.operator.registerDevice(identity.deviceId, identity.certificateId));
      }
      await retried(async () => {
        const challenge = await user.createChallenge(identity.deviceId);
        const signature = sign(
          'sha256',
          Buffer.from(challenge.signingInput, 'base64'),
          createPrivateKey(identity.keyPem),
        );
        await user.pair(challenge.challengeId, signature);
      });
      options.progress(++done, todo.length);
    }
  };
  await Promise.all(Array.from({ length: ENROLL_CONCURRENCY }, worker));
  return user;
}

/**
 * Runs `call` again (at most 3 times) after a transport failure: a request that races the backend
 * closing an idle keep-alive connection (KEEP_ALIVE_TIMEOUT_MS) fails with a reset. CONFLICT (the
 * device already registered, or already paired by an attempt whose answer was lost) is success here.
 */
async function retried(call: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return;
    } catch (err) {
      if (isCamlinkError(err) && err.code === 'CONFLICT') return;
      if (!(isCamlinkError(err) && err.code === 'UPSTREAM_FAILED') || attempt >= 3) throw err;
    }
  }
}

async function simUser(options: EnrollOptions): Promise<BackendClient> {
  const path = join(options.dataDir, 'sim', 'user.json');
  let token: string | undefined;
  try {
    token = (JSON.parse(await readFile(path, 'utf8')) as { token?: string }).token;
  } catch (err) {
    if (systemErrorCode(err) !== 'ENOENT') throw err;
  }
  if (token !== undefined) {
    const client = new BackendClient({ baseUrl: options.apiUrl, token, ca: options.ca });
    const valid = await client.me().then(
      () => true,
      () => false,
    );
    if (valid) return client;
    client.close();
  }
  const created = await options.operator.createUser('camlink sim');
  await mkdir(join(options.dataDir, 'sim'), { recursive: true });
  await writeFileAtomic(path, JSON.stringify({ userId: created.user.id, token: created.token.token }), {
    mode: SECRET_FILE_MODE,
    overwrite: true,
  });
  return new BackendClient({ baseUrl: options.apiUrl, token: created.token.token, ca: options.ca });
}
