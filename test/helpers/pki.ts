/** PKI test fixtures: a context on a temp data dir with a settable clock, and CSRs made by the library. */
import type { TestContext } from 'node:test';
import type { webcrypto } from 'node:crypto';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { pkiContext, type PkiContext } from '../../src/pki/context.js';
import { x509 } from '../../src/pki/x509.js';
import { subtle } from '../../src/pki/keys.js';
import type { RandomBytes } from '../../src/util/clock.js';
import { tempDir } from './tmp.js';

export class FakeClock {
  constructor(public current: Date = new Date('2026-11-26T12:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advanceDays(days: number): void {
    this.current = new Date(this.current.getTime() + days * 86_400_000);
  }
}

export async function testPki(
  t: TestContext,
  pki: ConfigInput['pki'] = {},
  random?: RandomBytes,
): Promise<{ ctx: PkiContext; dataDir: string; clock: FakeClock }> {
  const dataDir = await tempDir(t);
  const clock = new FakeClock();
  const config = loadConfig({ env: {}, flags: { dataDir, pki } });
  return { ctx: pkiContext(dataDir, config.pki, { clock, ...(random ? { random } : {}) }), dataDir, clock };
}

export async function makeCsr(
  subject: string,
  algorithm: EcKeyGenParams | RsaHashedKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' },
): Promise<string> {
  const keys = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const signingAlgorithm =
    algorithm.name === 'ECDSA'
      ? { name: 'ECDSA', hash: (algorithm as EcKeyGenParams).namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256' }
      : algorithm;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm });
  return csr.toString('pem');
}

type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
