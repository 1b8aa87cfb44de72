/**
 * `camlink aws ...`: the AWS side of the operator CA (register-ca) and a readiness check of an AWS
 * (or embedded) deployment against the repository's contracts (doctor). See docs/aws-cli.md.
 */
import { CamlinkError } from '../../errors/camlink-error.js';
import { jitpRoleArn } from '../../contracts/jitp-template.js';
import { createAwsClients } from '../../aws/clients.js';
import { readOperatorCa, type OperatorCa } from '../../aws/operator-ca.js';
import { registerCa } from '../../aws/register-ca.js';
import { isFailure, type CheckResult } from '../../aws/doctor/check.js';
import { runDoctor } from '../../aws/doctor/run.js';
import { isCamlinkError } from '../../errors/camlink-error.js';
import { createVerificationCert } from '../../pki/verification.js';
import { defineCommand, defineGroup, type CliIo } from '../command.js';
import { jsonOption, printResult } from '../output.js';
import { contextOf } from './pki-options.js';
import { awsTargetOptions, resolveAwsTarget } from './aws-target.js';
import { deviceEndpointsCommand } from './aws-device-endpoints.js';
import { teardownCommand } from './aws-teardown.js';
import { backendIdentityCommand } from './aws-backend-identity.js';
import { summaries } from './summaries.js';

const ROLE_ARN = /^arn:aws(-cn)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

const RESULT_TEXT = {
  registered: 'registered',
  'already-registered': 'already registered (nothing changed)',
  updated: 'already registered, updated (UpdateCACertificate)',
} as const;

const registerCaCommand = defineCommand({
  name: 'register-ca',
  summary: 'Register the operator CA of DATA_DIR with AWS IoT (ACTIVE, with JITP); idempotent.',
  description:
    'DEFAULT mode: GetRegistrationCode, a verification certificate (CN = code) signed by the CA, then\n' +
    'RegisterCACertificate. --sni-only registers without proof of possession (several accounts may\n' +
    'register the CA; recommended in China). A CA this account already registered as asked is reported\n' +
    '(exit 0); registered otherwise (INACTIVE, JITP off/on, another role or template) it is refused\n' +
    '[AWS_CA_DIFFERENT] unless --update, which sets them; the certificate mode cannot change.\n' +
    'Against AWS, JITP needs --role-arn (a role with AWSIoTThingsRegistration); with --embedded or\n' +
    "--endpoints it defaults to the platform account's camlink-jitp role.",
  options: {
    ...awsTargetOptions,
    'role-arn': {
      type: 'string',
      valueName: 'ARN',
      description: 'IAM role JITP assumes (required against AWS unless --no-jitp)',
    },
    'sni-only': {
      type: 'boolean',
      description: 'certificate mode SNI_ONLY: no verification certificate',
    },
    'no-jitp': {
      type: 'boolean',
      description: 'no auto-registration and no provisioning template',
    },
    update: {
      type: 'boolean',
      description: 'a CA registered otherwise: set status, auto-registration and JITP config as asked',
    },
    json: jsonOption,
  },
  async run(ctx) {
    const o = ctx.options;
    const roleArnOption = o['role-arn'];
    if (roleArnOption !== undefined && !ROLE_ARN.test(roleArnOption)) {
      throw new CamlinkError('CLI_USAGE', `--role-arn must be an IAM role ARN (got "${roleArnOption}")`);
    }
    if (roleArnOption !== undefined && o['no-jitp'] === true) {
      throw new CamlinkError('CLI_USAGE', '--role-arn and --no-jitp exclude each other');
    }
    const { config, pki } = contextOf(ctx);
    const target = await resolveAwsTarget(o, config, ctx.io.env);
    let roleArn: string | undefined;
    if (o['no-jitp'] !== true) {
      roleArn =
        roleArnOption ??
        (target.kind === 'embedded' && target.account !== undefined
          ? jitpRoleArn(target.partition, target.account)
          : undefined);
      if (roleArn === undefined) {
        throw new CamlinkError(
          'CLI_USAGE',
          'JITP needs --role-arn ARN (the provisioning role) against AWS; or pass --no-jitp',
        );
      }
    }
    const ca = await readOperatorCa(pki);
    const clients = createAwsClients(target);
    try {
      const registration = await registerCa(clients.iot, {
        ca,
        mode: o['sni-only'] === true ? 'SNI_ONLY' : 'DEFAULT',
        jitpRoleArn: roleArn,
        update: o.update === true,
        verificationCertificate: async (code) => (await createVerificationCert(pki, code, {})).pem,
      });
      printResult(ctx.io, o.json, {
        result: RESULT_TEXT[registration.outcome],
        'CA certificate': ca.path,
        'certificate id': registration.certificateId,
        'certificate ARN': registration.certificateArn,
        status: registration.status,
        'certificate mode': registration.certificateMode,
        'auto-registration': registration.autoRegistrationStatus,
        'JITP template': registration.jitpTemplate ? 'attached' : 'none',
        'JITP role': registration.jitpRoleArn ?? 'none',
        region: target.region,
      });
    } finally {
      clients.destroy();
    }
  },
});

const doctorCommand = defineCommand({
  name: 'doctor',
  summary: 'Check an AWS (or embedded) deployment against the repository contracts, one line per check.',
  description:
    'Checks: the iot:Data-ATS endpoint, the operator CA (ACTIVE, auto-registration, JITP template and\n' +
    'role), the device policy document, the upload topic rule (into the upload queue), the camera role\n' +
    'alias, the media bucket CORS (PUT; the COS bucket with backend.presigner cos) and the upload queue\n' +
    '(redrive policy). Each is OK, MISSING, DIFFERENT, UNCHECKED (with the reason)\n' +
    'or ERROR; exits 1 [AWS_CHECK_FAILED] when any is MISSING, DIFFERENT or ERROR.',
  options: {
    ...awsTargetOptions,
    bucket: {
      type: 'string',
      valueName: 'NAME',
      description: 'media bucket (default backend.uploads.bucket)',
    },
    'queue-url': {
      type: 'string',
      valueName: 'URL',
      description: 'upload queue (default endpoints.json or backend.aws.uploadQueueUrl)',
    },
    's3-endpoint': { type: 'string', valueName: 'URL', description: 'S3 endpoint override' },
    'sqs-endpoint': { type: 'string', valueName: 'URL', description: 'SQS endpoint override' },
    'jitp-role-arn': {
      type: 'string',
      valueName: 'ARN',
      description: "the JITP role the CA's registration config must name (default: any)",
    },
    json: jsonOption,
  },
  async run(ctx) {
    const o = ctx.options;
    const jitpRole = o['jitp-role-arn'];
    if (jitpRole !== undefined && !ROLE_ARN.test(jitpRole)) {
      throw new CamlinkError('CLI_USAGE', `--jitp-role-arn must be an IAM role ARN (got "${jitpRole}")`);
    }
    const { config, pki } = contextOf(ctx);
    const target = await resolveAwsTarget(o, config, ctx.io.env, {
      s3Endpoint: o['s3-endpoint'],
      sqsEndpoint: o['sqs-endpoint'],
      queueUrl: o['queue-url'],
    });
    let ca: OperatorCa | undefined;
    try {
      ca = await readOperatorCa(pki);
    } catch (err) {
      if (!isCamlinkError(err, 'PKI_CA_NOT_FOUND')) throw err;
    }
    const clients = createAwsClients(target);
    let results: CheckResult[];
    try {
      results = await runDoctor({
        target,
        clients,
        ca,
        bucket: o.bucket ?? config.backend.uploads.bucket,
        presigner: config.backend.presigner,
        cos: config.backend.cos,
        jitpRoleArn: o['jitp-role-arn'],
      });
    } finally {
      clients.destroy();
    }
    printChecks(ctx.io, o.json, target.kind === 'embedded' ? 'embedded' : target.region, results);
    const failed = results.filter(isFailure);
    if (failed.length > 0) {
      throw new CamlinkError(
        'AWS_CHECK_FAILED',
        `${failed.length} of ${results.length} checks failed: ${failed.map((r) => r.check).join(', ')}`,
      );
    }
  },
});

function printChecks(io: CliIo, json: boolean | undefined, where: string, results: CheckResult[]): void {
  if (json === true) {
    io.stdout(`${JSON.stringify({ target: where, checks: results })}\n`);
    return;
  }
  const width = Math.max(...results.map((r) => r.check.length));
  for (const r of results) io.stdout(`${r.status.padEnd(9)} ${r.check.padEnd(width)}  ${r.detail}\n`);
}

export const awsCommand = defineGroup('aws', summaries.aws, [
  registerCaCommand,
  backendIdentityCommand,
  doctorCommand,
  deviceEndpointsCommand,
  teardownCommand,
]);
