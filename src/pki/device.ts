/**
 * Device identities: `createDevice` makes the key here and writes ID.key.pem (0600) + ID.cert.pem;
 * `signDeviceCsr` certifies a key that never leaves the device. Either way CN = device id = thing name.
 */
import { join } from 'node:path';
import { assertDeviceId } from '../contracts/device-id.js';
import { CamlinkError } from '../errors/camlink-error.js';
import type { KeyAlgorithmName } from '../config/schema.js';
import { PUBLIC_FILE_MODE, SECRET_FILE_MODE, fileExists, writeFileAtomic } from '../util/atomic-file.js';
import { loadCa } from './ca.js';
import type { PkiContext } from './context.js';
import { parseDeviceCsr } from './csr.js';
import { issueCertificate, type IssuedCertificate } from './issue.js';
import { generateKeyPair, privateKeyToPem } from './keys.js';

export interface CreateDeviceResult {
  deviceId: string;
  certPath: string;
  keyPath: string;
  serial: string;
  certificateId: string;
  notAfter: Date;
}

export function deviceIdPattern(ctx: PkiContext): RegExp {
  return new RegExp(ctx.config.deviceIdPattern, 'u');
}

export async function createDevice(
  ctx: PkiContext,
  deviceId: string,
  options: { outDir: string; force: boolean; keyAlgorithm?: KeyAlgorithmName },
): Promise<CreateDeviceResult> {
  assertDeviceId(deviceId, deviceIdPattern(ctx));
  const certPath = join(options.outDir, `${deviceId}.cert.pem`);
  const keyPath = join(options.outDir, `${deviceId}.key.pem`);
  if (!options.force) {
    for (const path of [keyPath, certPath]) {
      if (await fileExists(path)) {
        throw new CamlinkError('FILE_EXISTS', `${path} exists; pass --force to issue a new identity over it`);
      }
    }
  }
  const ca = await loadCa(ctx);
  const keys = await generateKeyPair(options.keyAlgorithm ?? ctx.config.keyAlgorithm);
  const issued = await ctx.store.withLock(() =>
    issueCertificate(ctx, ca, {
      kind: 'device',
      commonName: deviceId,
      publicKey: keys.publicKey,
      validityDays: ctx.config.deviceValidityDays,
    }),
  );
  await writeFileAtomic(keyPath, await privateKeyToPem(keys.privateKey), {
    mode: SECRET_FILE_MODE,
    overwrite: options.force,
  });
  await writeFileAtomic(certPath, `${issued.pem}\n`, { mode: PUBLIC_FILE_MODE, overwrite: options.force });
  return {
    deviceId,
    certPath,
    keyPath,
    serial: issued.serial,
    certificateId: issued.certificateId,
    notAfter: issued.cert.notAfter,
  };
}

export async function signDeviceCsr(ctx: PkiContext, csrPem: string): Promise<IssuedCertificate> {
  const csr = await parseDeviceCsr(csrPem, deviceIdPattern(ctx));
  const ca = await loadCa(ctx);
  return ctx.store.withLock(() =>
    issueCertificate(ctx, ca, {
      kind: 'device',
      commonName: csr.commonName,
      publicKey: csr.publicKey,
      validityDays: ctx.config.deviceValidityDays,
    }),
  );
}

export function defaultDeviceOutDir(dataDir: string): string {
  return join(dataDir, 'devices');
}
