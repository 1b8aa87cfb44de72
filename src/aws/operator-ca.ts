/**
 * The operator CA certificate of a data dir as AWS IoT sees it: its PEM and its certificate id
 * (lowercase sha256 of the DER). Only the certificate is read; the key stays where it is.
 */
import { readFile } from 'node:fs/promises';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import { certificateId } from '../pki/ca.js';
import type { PkiContext } from '../pki/context.js';
import { x509 } from '../pki/x509.js';

export interface OperatorCa {
  readonly path: string;
  readonly pem: string;
  readonly certificateId: string;
  readonly subject: string;
}

export async function readOperatorCa(pki: PkiContext): Promise<OperatorCa> {
  const path = pki.store.caCertPath;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') {
      throw new CamlinkError('PKI_CA_NOT_FOUND', `no CA in ${pki.store.dir}; run "camlink ca init" first`);
    }
    throw new CamlinkError('FILE_UNREADABLE', `cannot read ${path}`, { cause: err });
  }
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(text);
  } catch (err) {
    throw new CamlinkError('PKI_PEM_MALFORMED', `${path} is not a certificate`, { cause: err });
  }
  return { path, pem: cert.toString('pem'), certificateId: certificateId(cert), subject: cert.subject };
}
