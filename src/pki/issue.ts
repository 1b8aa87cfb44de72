/**
 * Issues an end-entity certificate signed by the operator CA (RFC 5280 profile):
 *   device        CN = thing name, EKU clientAuth   (mutual TLS to the IoT endpoint)
 *   server        SANs, EKU serverAuth               (embedded endpoints: MQTT 8883, HTTPS)
 *   verification  CN = AWS IoT registration code     (RegisterCACertificate proof of possession)
 * Every certificate gets a unique serial, SKI/AKI, is recorded in the index and copied to issued/.
 */
import { x509 } from './x509.js';
import { CamlinkError } from '../errors/camlink-error.js';
import { DAY_MS } from '../util/clock.js';
import { PUBLIC_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { BACKDATE_MS, certificateId, type CaMaterial } from './ca.js';
import type { PkiContext } from './context.js';
import type { CertificateKind } from './store.js';
import { newSerial } from './serial.js';

export interface IssueRequest {
  kind: Exclude<CertificateKind, 'ca'>;
  commonName: string;
  publicKey: x509.PublicKeyType;
  validityDays: number;
  sans?: x509.JsonGeneralNames;
}

export interface IssuedCertificate {
  cert: x509.X509Certificate;
  pem: string;
  serial: string;
  certificateId: string;
}

/**
 * `taken`, when given, answers "was this serial issued?" instead of a read of the whole index: a batch
 * (camlink sim issuing thousands of identities under one lock) reads the index once, not per certificate.
 */
export async function issueCertificate(
  ctx: PkiContext,
  ca: CaMaterial,
  request: IssueRequest,
  taken?: (serial: string) => boolean,
): Promise<IssuedCertificate> {
  const now = ctx.clock.now();
  const notAfter = new Date(now.getTime() + request.validityDays * DAY_MS);
  if (notAfter > ca.cert.notAfter) {
    throw new CamlinkError(
      'PKI_VALIDITY_EXCEEDS_CA',
      `a ${request.validityDays}-day ${request.kind} certificate would end ${notAfter.toISOString()}, ` +
        `after the CA expires (${ca.cert.notAfter.toISOString()})`,
    );
  }
  let isTaken = taken;
  if (isTaken === undefined) {
    const issued = await ctx.store.certificates();
    isTaken = (s) => issued.has(s);
  }
  const serial = newSerial(ctx.random, isTaken);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: [{ CN: [request.commonName] }],
    issuer: ca.cert.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    publicKey: request.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.signing,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(await keyUsageFor(request.publicKey), true),
      ...extendedKeyUsage(request.kind),
      ...(request.sans ? [new x509.SubjectAlternativeNameExtension(request.sans, false)] : []),
      await x509.SubjectKeyIdentifierExtension.create(request.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const pem = cert.toString('pem');
  const id = certificateId(cert);
  await writeFileAtomic(ctx.store.issuedCertPath(serial), `${pem}\n`, {
    mode: PUBLIC_FILE_MODE,
    overwrite: false,
  });
  await ctx.store.appendIssued({
    serial,
    kind: request.kind,
    commonName: request.commonName,
    certificateId: id,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    issuedAt: now.toISOString(),
  });
  return { cert, pem, serial, certificateId: id };
}

function extendedKeyUsage(kind: IssueRequest['kind']): x509.Extension[] {
  if (kind === 'device')
    return [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false)];
  if (kind === 'server')
    return [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false)];
  return [];
}

/** RSA keys also do key encipherment in TLS 1.2 RSA key exchange; EC keys only sign. */
async function keyUsageFor(publicKey: x509.PublicKeyType): Promise<x509.KeyUsageFlags> {
  const key = publicKey instanceof x509.PublicKey ? publicKey : await x509.PublicKey.create(publicKey);
  return key.algorithm.name === 'ECDSA'
    ? x509.KeyUsageFlags.digitalSignature
    : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
}
