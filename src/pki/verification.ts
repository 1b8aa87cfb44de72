/**
 * The AWS IoT CA-registration verification certificate: a fresh key whose certificate, signed by the
 * CA being registered, has CN = the registration code from GetRegistrationCode. Presenting it with
 * RegisterCACertificate (DEFAULT mode) proves the registrant holds the CA key. See docs/pki.md.
 */
import { join } from 'node:path';
import { CamlinkError } from '../errors/camlink-error.js';
import { PUBLIC_FILE_MODE, SECRET_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { loadCa } from './ca.js';
import type { PkiContext } from './context.js';
import { issueCertificate } from './issue.js';
import { generateKeyPair, privateKeyToPem } from './keys.js';

/** X.520 ub-common-name is 64; AWS codes are 64 hex characters. */
const REGISTRATION_CODE = /^[A-Za-z0-9]{1,64}$/;

export interface VerificationCertResult {
  certPath: string;
  keyPath: string;
  pem: string;
  serial: string;
}

export async function createVerificationCert(
  ctx: PkiContext,
  registrationCode: string,
  options: { outPath?: string },
): Promise<VerificationCertResult> {
  if (!REGISTRATION_CODE.test(registrationCode)) {
    throw new CamlinkError(
      'PKI_REGISTRATION_CODE_INVALID',
      `registration code must be 1-64 letters and digits (got ${registrationCode.length} characters)`,
    );
  }
  const ca = await loadCa(ctx);
  const keys = await generateKeyPair(ctx.config.keyAlgorithm);
  const issued = await ctx.store.withLock(() =>
    issueCertificate(ctx, ca, {
      kind: 'verification',
      commonName: registrationCode,
      publicKey: keys.publicKey,
      validityDays: ctx.config.verificationValidityDays,
    }),
  );
  const certPath = options.outPath ?? join(ctx.store.dir, 'verification', `${registrationCode}.cert.pem`);
  const keyPath = certPath.replace(/(\.cert)?\.pem$/, '') + '.key.pem';
  await writeFileAtomic(keyPath, await privateKeyToPem(keys.privateKey), {
    mode: SECRET_FILE_MODE,
    overwrite: true,
  });
  await writeFileAtomic(certPath, `${issued.pem}\n`, { mode: PUBLIC_FILE_MODE, overwrite: true });
  return { certPath, keyPath, pem: issued.pem, serial: issued.serial };
}
