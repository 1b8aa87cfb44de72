/**
 * The access key pair of the embedded AWS-compatible APIs: made once per data dir, kept in
 * DATA_DIR/credentials.json (0600) and also written as an AWS shared-credentials file
 * DATA_DIR/aws-credentials with profile "camlink", so `aws --endpoint-url` and the SDKs work unchanged
 * (AWS_SHARED_CREDENTIALS_FILE=DATA_DIR/aws-credentials AWS_PROFILE=camlink).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import { SECRET_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';

export const LOCAL_PROFILE = 'camlink';

const schema = z.strictObject({
  accessKeyId: z.string().regex(/^[A-Z0-9]{20}$/),
  secretAccessKey: z.string().regex(/^[A-Za-z0-9/+]{40}$/),
});
export type LocalCredentials = z.infer<typeof schema>;

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function localCredentialPaths(dataDir: string) {
  return { json: join(dataDir, 'credentials.json'), sharedFile: join(dataDir, 'aws-credentials') };
}

export async function loadOrCreateLocalCredentials(
  dataDir: string,
  region: string,
): Promise<LocalCredentials> {
  const paths = localCredentialPaths(dataDir);
  let credentials: LocalCredentials;
  try {
    const parsed = schema.safeParse(JSON.parse(await readFile(paths.json, 'utf8')));
    if (!parsed.success)
      throw new CamlinkError('CONFIG_INVALID', `${paths.json} does not hold a valid key pair`);
    credentials = parsed.data;
  } catch (err) {
    if (systemErrorCode(err) !== 'ENOENT') throw err;
    const id = [...randomBytes(16)].map((b) => KEY_ALPHABET[b % 32]).join('');
    credentials = {
      accessKeyId: `AKIA${id}`,
      secretAccessKey: randomBytes(30)
        .toString('base64')
        .replace(/[^A-Za-z0-9/+]/g, 'A')
        .slice(0, 40),
    };
    await writeFileAtomic(paths.json, `${JSON.stringify(credentials)}\n`, {
      mode: SECRET_FILE_MODE,
      overwrite: false,
    });
  }
  const shared = [
    `[${LOCAL_PROFILE}]`,
    `aws_access_key_id = ${credentials.accessKeyId}`,
    `aws_secret_access_key = ${credentials.secretAccessKey}`,
    `region = ${region}`,
    '',
  ].join('\n');
  await writeFileAtomic(paths.sharedFile, shared, { mode: SECRET_FILE_MODE, overwrite: true });
  return credentials;
}
