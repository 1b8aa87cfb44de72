/** `camlink ca ...`: the operator CA, its CRL, server certificates and the AWS verification certificate. */
import { CamlinkError } from '../../errors/camlink-error.js';
import { initCa } from '../../pki/ca.js';
import { refreshCrl } from '../../pki/crl.js';
import { issueServerCert } from '../../pki/server-cert.js';
import { createVerificationCert } from '../../pki/verification.js';
import { defineCommand, defineGroup } from '../command.js';
import { contextOf, keyAlgorithmOption, parseKeyAlgorithm } from './pki-options.js';
import { jsonOption, printResult } from '../output.js';
import { summaries } from './summaries.js';

const init = defineCommand({
  name: 'init',
  summary: 'Create the operator root CA (ECDSA P-256 by default) in DATA_DIR/pki.',
  description:
    'Writes ca.cert.pem, ca.key.pem (mode 0600) and an empty CRL. Refuses to replace an existing CA\n' +
    'unless --force, which moves the old CA and everything it issued to pki/archive/<time>/.',
  options: {
    force: { type: 'boolean', description: 'replace an existing CA (the old one is archived, not deleted)' },
    'key-algorithm': keyAlgorithmOption,
    json: jsonOption,
  },
  async run(ctx) {
    const { pki } = contextOf(ctx);
    const keyAlgorithm = parseKeyAlgorithm(ctx.options['key-algorithm']);
    const result = await initCa(pki, {
      force: ctx.options.force === true,
      ...(keyAlgorithm ? { keyAlgorithm } : {}),
    });
    printResult(ctx.io, ctx.options.json, {
      'CA certificate': result.certPath,
      'CA key': `${result.keyPath} (mode 0600)`,
      CRL: result.crlPath,
      subject: result.subject,
      'certificate id': result.certificateId,
      'valid until': result.notAfter,
      'previous CA archived to': result.archivedTo,
    });
  },
});

const verificationCert = defineCommand({
  name: 'verification-cert',
  summary: 'Issue the AWS IoT CA-registration verification certificate (CN = registration code).',
  description:
    'Get the code with `aws iot get-registration-code`, then pass the written certificate to\n' +
    '`aws iot register-ca-certificate --verification-cert file://PATH` (see docs/pki.md).',
  options: {
    'registration-code': {
      type: 'string',
      valueName: 'CODE',
      description: 'code from GetRegistrationCode (required)',
    },
    out: {
      type: 'string',
      valueName: 'FILE',
      description: 'certificate path (default DATA_DIR/pki/verification/CODE.cert.pem)',
    },
    json: jsonOption,
  },
  async run(ctx) {
    const code = ctx.options['registration-code'];
    if (code === undefined) throw new CamlinkError('CLI_USAGE', '--registration-code CODE is required');
    const { pki } = contextOf(ctx);
    const result = await createVerificationCert(
      pki,
      code,
      ctx.options.out ? { outPath: ctx.options.out } : {},
    );
    printResult(ctx.io, ctx.options.json, {
      'verification certificate': result.certPath,
      'verification key': `${result.keyPath} (mode 0600)`,
      serial: result.serial,
    });
  },
});

const serverCert = defineCommand({
  name: 'server-cert',
  summary: 'Issue a TLS server certificate for the embedded endpoints, signed by the CA.',
  options: {
    name: {
      type: 'string',
      valueName: 'NAME',
      description: 'file name under DATA_DIR/pki/server/ (default endpoint)',
    },
    san: {
      type: 'string',
      multiple: true,
      valueName: 'NAME|IP',
      description: 'subject alternative name (default from config pki.serverSans)',
    },
    json: jsonOption,
  },
  async run(ctx) {
    const { config, pki } = contextOf(ctx);
    const result = await issueServerCert(pki, config.dataDir, {
      name: ctx.options.name ?? 'endpoint',
      sans: ctx.options.san ?? config.pki.serverSans,
    });
    printResult(ctx.io, ctx.options.json, {
      'server certificate': `${result.certPath} (leaf + CA chain)`,
      'server key': `${result.keyPath} (mode 0600)`,
      SANs: result.sans,
      'valid until': result.notAfter,
    });
  },
});

const crl = defineCommand({
  name: 'crl',
  summary: 'Re-sign the CRL (DATA_DIR/pki/ca.crl.pem) with a fresh nextUpdate.',
  options: { json: jsonOption },
  async run(ctx) {
    const { pki } = contextOf(ctx);
    const result = await refreshCrl(pki);
    printResult(ctx.io, ctx.options.json, {
      CRL: result.crlPath,
      'CRL number': result.crlNumber,
      'revoked entries': result.revokedCount,
      'next update': result.nextUpdate,
    });
  },
});

export const caCommand = defineGroup('ca', summaries.ca, [init, verificationCert, serverCert, crl]);
