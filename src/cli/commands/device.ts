/**
 * `camlink device ...`: device identities issued by the operator CA, and their revocation; and the
 * operator's backend side of a device (`register`, `stream create`), through the backend API with the
 * operator token.
 */
import { assertDeviceId } from '../../contracts/device-id.js';
import { CamlinkError, isCamlinkError } from '../../errors/camlink-error.js';
import { readInputFile, writeFileAtomic, PUBLIC_FILE_MODE } from '../../util/atomic-file.js';
import { revocationReasons, type RevocationReason } from '../../pki/store.js';
import { defineCommand, defineGroup } from '../command.js';
import { jsonOption, printResult } from '../output.js';
import { backendOptions, operatorTokenOption } from './backend-options.js';
import { contextOf, keyAlgorithmOption, parseKeyAlgorithm } from './pki-options.js';
import { summaries } from './summaries.js';

// The PKI's signing code (x509, asn1) and the API client load inside the commands that use them:
// `camlink device list` starts without them.
const pkiDevice = () => import('../../pki/device.js');
const apiClient = () => import('./app.js');

const create = defineCommand({
  name: 'create',
  summary: 'Issue a device key and certificate (CN = ID, the thing name) signed by the operator CA.',
  description: 'Writes ID.key.pem (mode 0600) and ID.cert.pem to --out (default DATA_DIR/devices).',
  positionals: [{ name: 'ID', required: true, description: 'device id: 1-128 of A-Z a-z 0-9 : _ -' }],
  options: {
    out: { type: 'string', valueName: 'DIR', description: 'output directory (default DATA_DIR/devices)' },
    force: {
      type: 'boolean',
      description: 'replace existing ID.cert.pem / ID.key.pem in the output directory',
    },
    'key-algorithm': keyAlgorithmOption,
    json: jsonOption,
  },
  async run(ctx) {
    const [id = ''] = ctx.args;
    const { config, pki } = contextOf(ctx);
    const keyAlgorithm = parseKeyAlgorithm(ctx.options['key-algorithm']);
    const { createDevice, defaultDeviceOutDir } = await pkiDevice();
    const result = await createDevice(pki, id, {
      outDir: ctx.options.out ?? defaultDeviceOutDir(config.dataDir),
      force: ctx.options.force === true,
      ...(keyAlgorithm ? { keyAlgorithm } : {}),
    });
    printResult(ctx.io, ctx.options.json, {
      'device id': result.deviceId,
      certificate: result.certPath,
      key: `${result.keyPath} (mode 0600)`,
      serial: result.serial,
      'certificate id': result.certificateId,
      'valid until': result.notAfter,
    });
    if (ctx.options.json !== true) {
      const { mosquittoSubHint } = await import('./mosquitto-hint.js');
      ctx.io.stdout(
        await mosquittoSubHint({
          deviceId: result.deviceId,
          dataDir: config.dataDir,
          caPath: pki.store.caCertPath,
          certPath: result.certPath,
          keyPath: result.keyPath,
          broker: config.broker,
        }),
      );
    }
  },
});

const signCsr = defineCommand({
  name: 'sign-csr',
  summary: 'Certify a device key that never leaves the device: verify the CSR, check its CN, sign it.',
  description: 'Prints the certificate PEM on stdout, or writes it to --out.',
  options: {
    csr: { type: 'string', valueName: 'FILE', description: 'PKCS#10 request in PEM (required)' },
    out: { type: 'string', valueName: 'FILE', description: 'write the certificate here instead of stdout' },
    force: { type: 'boolean', description: 'replace an existing --out file' },
  },
  async run(ctx) {
    const csrPath = ctx.options.csr;
    if (csrPath === undefined) throw new CamlinkError('CLI_USAGE', '--csr FILE is required');
    const { pki } = contextOf(ctx);
    const [{ signDeviceCsr }, { CSR_MAX_BYTES }] = await Promise.all([
      pkiDevice(),
      import('../../pki/csr.js'),
    ]);
    const pem = (await readInputFile(csrPath, CSR_MAX_BYTES, 'CSR')).toString('utf8');
    const issued = await signDeviceCsr(pki, pem);
    if (ctx.options.out === undefined) {
      ctx.io.stdout(`${issued.pem}\n`);
    } else {
      await writeFileAtomic(ctx.options.out, `${issued.pem}\n`, {
        mode: PUBLIC_FILE_MODE,
        overwrite: ctx.options.force === true,
      });
      ctx.io.stderr(`certificate for serial ${issued.serial} written to ${ctx.options.out}\n`);
    }
  },
});

const revoke = defineCommand({
  name: 'revoke',
  summary: "Revoke a device's certificates and re-sign the CRL the endpoint checks.",
  positionals: [
    { name: 'ID', required: true, description: 'device id whose valid certificates are revoked' },
  ],
  options: {
    serial: { type: 'string', valueName: 'HEX', description: 'revoke only this certificate serial' },
    reason: {
      type: 'string',
      valueName: 'REASON',
      description: `${revocationReasons.join(' | ')} (default unspecified)`,
    },
    json: jsonOption,
  },
  async run(ctx) {
    const [id = ''] = ctx.args;
    const reason = parseReason(ctx.options.reason);
    const { pki } = contextOf(ctx);
    const { revokeDevice } = await import('../../pki/crl.js');
    const result = await revokeDevice(pki, id, {
      reason,
      ...(ctx.options.serial === undefined ? {} : { serial: ctx.options.serial }),
    });
    printResult(ctx.io, ctx.options.json, {
      'device id': id,
      'revoked serials': result.revokedSerials,
      CRL: result.crlPath,
      'CRL number': result.crlNumber,
      'next update': result.nextUpdate,
    });
  },
});

const list = defineCommand({
  name: 'list',
  summary: 'List the device certificates the CA issued, with status.',
  options: { json: jsonOption },
  async run(ctx) {
    const { pki } = contextOf(ctx);
    const devices = [...(await pki.store.certificates()).values()].filter((c) => c.kind === 'device');
    if (ctx.options.json === true) {
      ctx.io.stdout(`${JSON.stringify(devices)}\n`);
      return;
    }
    if (devices.length === 0) {
      ctx.io.stdout('no device certificates issued yet\n');
      return;
    }
    for (const d of devices) {
      ctx.io.stdout(`${d.commonName}\t${d.serial}\t${d.status}\tvalid until ${d.notAfter}\n`);
    }
  },
});

const register = defineCommand({
  name: 'register',
  summary:
    'Operator: register the device id with the backend (POST /v1/devices); already registered is fine.',
  description:
    'A camera provisioned by JITP (`camlink device create`, then its first connection) is unknown to the\n' +
    'backend until this; `camlink app pair` answers NOT_FOUND for it. Uses the operator token.',
  positionals: [{ name: 'ID', required: true, description: 'device id (the thing name)' }],
  options: {
    'certificate-id': {
      type: 'string',
      valueName: 'HEX',
      description: 'the AWS IoT certificate id (64 hex digits) the device authenticates with',
    },
    ...operatorTokenOption,
    ...backendOptions,
    json: jsonOption,
  },
  async run(ctx) {
    const [id = ''] = ctx.args;
    assertDeviceId(id);
    const certificateId = ctx.options['certificate-id'];
    if (certificateId !== undefined && !/^[0-9a-f]{64}$/.test(certificateId)) {
      throw new CamlinkError(
        'CLI_USAGE',
        `--certificate-id must be 64 lowercase hex digits, got "${certificateId}"`,
      );
    }
    const { operatorClient } = await apiClient();
    const operator = await operatorClient(ctx.config(), ctx.options);
    try {
      const registered = await operator.registerDevice(id, certificateId).then(
        () => true,
        (err: unknown) => {
          if (isCamlinkError(err, 'CONFLICT')) return false;
          throw err;
        },
      );
      printResult(ctx.io, ctx.options.json, {
        'device id': id,
        registered: registered ? 'now' : 'already (nothing changed)',
      });
      return 0;
    } finally {
      operator.close();
    }
  },
});

const streamCreate = defineCommand({
  name: 'create',
  summary: "Operator: create the device's Kinesis video stream through the backend; an existing one is fine.",
  description:
    'POST /v1/devices/ID/video/stream with the operator token: the stream `camlink camera stream` sends to\n' +
    '(named after the thing). The device must be registered (`camlink device register ID`); cameras\n' +
    'provisioned through the backend (POST /v1/devices/provision) have it already.',
  positionals: [{ name: 'ID', required: true, description: 'device id (the thing name)' }],
  options: { ...operatorTokenOption, ...backendOptions, json: jsonOption },
  async run(ctx) {
    const [id = ''] = ctx.args;
    assertDeviceId(id);
    const { operatorClient } = await apiClient();
    const operator = await operatorClient(ctx.config(), ctx.options);
    try {
      const { stream } = await operator.createVideoStream(id).catch((err: unknown) => {
        if (isCamlinkError(err, 'NOT_FOUND')) {
          throw new CamlinkError(
            'NOT_FOUND',
            `${err.message}: register it first with \`camlink device register ${id}\``,
            { cause: err },
          );
        }
        throw err;
      });
      printResult(ctx.io, ctx.options.json, {
        'device id': id,
        stream: stream.streamName,
        arn: stream.streamArn,
        created: stream.created ? 'now' : 'already existed (nothing changed)',
      });
      return 0;
    } finally {
      operator.close();
    }
  },
});

const streamGroup = defineGroup(
  'stream',
  "The device's video stream on the backend's Kinesis Video Streams.",
  [streamCreate],
);

function parseReason(value: string | undefined): RevocationReason {
  if (value === undefined) return 'unspecified';
  const found = revocationReasons.find((r) => r === value);
  if (found === undefined) {
    throw new CamlinkError(
      'CLI_USAGE',
      `--reason must be one of ${revocationReasons.join(', ')} (got "${value}")`,
    );
  }
  return found;
}

export const deviceCommand = defineGroup('device', summaries.device, [
  create,
  signCsr,
  revoke,
  list,
  register,
  streamGroup,
]);
