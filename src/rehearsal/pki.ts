/**
 * The rehearsal's "public" PKI, apart from the operator CA: a "public root" standing for the system
 * roots that sign S3, SQS, STS, KVS and COS server certificates, and an "ATS root" standing for Amazon
 * Root CA 1 that the IoT data and credentials endpoints chain to (through an intermediate, as AWS's ATS
 * endpoints do). Clients trust the public root the way they trust system roots (NODE_EXTRA_CA_CERTS in
 * the client process) and the ATS root as a camera's IoT CA file. Built on the project's x509 and key
 * code (src/pki/); nothing here touches the operator PKI's store.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { x509 } from '../pki/x509.js';
import { generateKeyPair, privateKeyToPem, signingAlgorithmFor, type CryptoKeyPair } from '../pki/keys.js';
import { newSerial } from '../pki/serial.js';
import { parseSans } from '../pki/server-cert.js';
import { BACKDATE_MS } from '../pki/ca.js';
import { PUBLIC_FILE_MODE, SECRET_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { DAY_MS, systemClock, systemRandom, type Clock, type RandomBytes } from '../util/clock.js';
import type { KeyAlgorithmName } from '../config/schema.js';
import { certificateNames, type CloudTarget } from './names.js';

export interface Authority {
  readonly cert: x509.X509Certificate;
  readonly pem: string;
  readonly keys: CryptoKeyPair;
}

export interface ServerMaterial {
  /** Leaf then intermediates (what a TLS server sends), PEM. */
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
}

export interface PublicPki {
  readonly publicRoot: Authority;
  readonly atsRoot: Authority;
  readonly atsIntermediate: Authority;
  /** S3, SQS, STS, KVS, IoT control plane, COS: signed by the public root. */
  readonly publicServer: ServerMaterial;
  /** IoT data and credentials provider endpoints: signed by the ATS intermediate. */
  readonly atsServer: ServerMaterial;
}

export interface PublicPkiOptions {
  readonly clock?: Clock;
  readonly random?: RandomBytes;
  readonly keyAlgorithm?: KeyAlgorithmName;
  /** Extra SANs on both server certificates (e.g. "localhost" for a health check). */
  readonly extraSans?: readonly string[];
  readonly validityDays?: number;
}

const ROOT_DAYS = 3650;
const SERVER_DAYS = 397;

interface Ctx {
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly algorithm: KeyAlgorithmName;
}

async function authority(ctx: Ctx, name: string, issuer: Authority | undefined): Promise<Authority> {
  const now = ctx.clock.now();
  const keys = await generateKeyPair(ctx.algorithm);
  const subject: x509.JsonName = [{ CN: [name] }, { O: ['camlink rehearsal'] }];
  const extensions = [
    new x509.BasicConstraintsExtension(true, issuer === undefined ? undefined : 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const common = {
    serialNumber: newSerial(ctx.random, () => false),
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + ROOT_DAYS * DAY_MS),
  };
  const cert =
    issuer === undefined
      ? await x509.X509CertificateGenerator.createSelfSigned({
          ...common,
          name: subject,
          keys,
          signingAlgorithm: signingAlgorithmFor(keys.privateKey),
          extensions,
        })
      : await x509.X509CertificateGenerator.create({
          ...common,
          subject,
          issuer: issuer.cert.subjectName,
          publicKey: keys.publicKey,
          signingKey: issuer.keys.privateKey,
          signingAlgorithm: signingAlgorithmFor(issuer.keys.privateKey),
          extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(issuer.cert)],
        });
  return { cert, pem: cert.toString('pem'), keys };
}

async function server(
  ctx: Ctx,
  issuer: Authority,
  chain: readonly Authority[],
  sans: readonly string[],
  validityDays: number,
): Promise<ServerMaterial> {
  const now = ctx.clock.now();
  const keys = await generateKeyPair(ctx.algorithm);
  const isEc = keys.publicKey.algorithm.name === 'ECDSA';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: newSerial(ctx.random, () => false),
    subject: [{ CN: [sans[0] ?? 'rehearsal'] }],
    issuer: issuer.cert.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: signingAlgorithmFor(issuer.keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        isEc
          ? x509.KeyUsageFlags.digitalSignature
          : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(parseSans(sans), false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
    ],
  });
  return {
    certPem: [cert.toString('pem'), ...chain.map((a) => a.pem)].join('\n') + '\n',
    keyPem: await privateKeyToPem(keys.privateKey),
  };
}

/** A fresh public PKI whose server certificates cover every cloud name of `target`. */
export async function createPublicPki(
  target: CloudTarget,
  options: PublicPkiOptions = {},
): Promise<PublicPki> {
  const ctx: Ctx = {
    clock: options.clock ?? systemClock,
    random: options.random ?? systemRandom,
    algorithm: options.keyAlgorithm ?? 'ecdsa-p256',
  };
  const days = options.validityDays ?? SERVER_DAYS;
  const { publicNames, atsNames } = certificateNames(target);
  const extra = options.extraSans ?? [];
  const publicRoot = await authority(ctx, 'camlink rehearsal public root', undefined);
  const atsRoot = await authority(ctx, 'camlink rehearsal ATS root (stands for Amazon Root CA 1)', undefined);
  const atsIntermediate = await authority(ctx, 'camlink rehearsal ATS intermediate', atsRoot);
  return {
    publicRoot,
    atsRoot,
    atsIntermediate,
    publicServer: await server(ctx, publicRoot, [], [...publicNames, ...extra], days),
    atsServer: await server(ctx, atsIntermediate, [atsIntermediate], [...atsNames, ...extra], days),
  };
}

export interface PublicPkiFiles {
  /** NODE_EXTRA_CA_CERTS of client processes. */
  readonly publicRootCert: string;
  /** The camera's IoT CA file (stands for AmazonRootCA1.pem). */
  readonly atsRootCert: string;
  /** config tls.services.certFile / keyFile. */
  readonly publicServerCert: string;
  readonly publicServerKey: string;
  /** config tls.iotData.certFile / keyFile. */
  readonly atsServerCert: string;
  readonly atsServerKey: string;
}

/** Writes the PKI's files into `dir` (keys 0600, certificates 0644); CA keys are not written. */
export async function writePublicPki(pki: PublicPki, dir: string): Promise<PublicPkiFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files: PublicPkiFiles = {
    publicRootCert: join(dir, 'public-root.cert.pem'),
    atsRootCert: join(dir, 'ats-root.cert.pem'),
    publicServerCert: join(dir, 'public-server.cert.pem'),
    publicServerKey: join(dir, 'public-server.key.pem'),
    atsServerCert: join(dir, 'ats-server.cert.pem'),
    atsServerKey: join(dir, 'ats-server.key.pem'),
  };
  const pub = { mode: PUBLIC_FILE_MODE, overwrite: true };
  const secret = { mode: SECRET_FILE_MODE, overwrite: true };
  await writeFileAtomic(files.publicRootCert, `${pki.publicRoot.pem}\n`, pub);
  await writeFileAtomic(files.atsRootCert, `${pki.atsRoot.pem}\n`, pub);
  await writeFileAtomic(files.publicServerKey, pki.publicServer.keyPem, secret);
  await writeFileAtomic(files.publicServerCert, pki.publicServer.certPem, pub);
  await writeFileAtomic(files.atsServerKey, pki.atsServer.keyPem, secret);
  await writeFileAtomic(files.atsServerCert, pki.atsServer.certPem, pub);
  return files;
}
