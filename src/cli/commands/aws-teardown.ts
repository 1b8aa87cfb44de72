/**
 * `camlink aws teardown`: what `cdk destroy` leaves behind — the certificates of the operator CA with
 * their things and policy attachments, the CA registration, the camera video streams, and (with
 * --bucket) the retained media bucket. Dry run by default; --yes deletes. See docs/aws-cli.md.
 */
import { join } from 'node:path';
import { readEndpoints } from '../../contracts/endpoints.js';
import { cameraStreamName } from '../../contracts/camera-role.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { createAwsClients } from '../../aws/clients.js';
import { readOperatorCa } from '../../aws/operator-ca.js';
import { sdkIotPort } from '../../aws/teardown/iot-port.js';
import { createKvsClient } from '../../aws/teardown/kvs-client.js';
import { sdkKvsPort } from '../../aws/teardown/kvs-port.js';
import { DEFAULT_RETRY } from '../../aws/teardown/retry.js';
import { failureOf, runTeardown, type TeardownReport } from '../../aws/teardown/run.js';
import { sdkS3Port } from '../../aws/teardown/s3-port.js';
import { defineCommand, type CliIo } from '../command.js';
import { jsonOption } from '../output.js';
import { contextOf } from './pki-options.js';
import { awsTargetOptions, resolveAwsTarget } from './aws-target.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const teardownCommand = defineCommand({
  name: 'teardown',
  summary:
    'List (dry run) or delete (--yes) what cdk destroy leaves: CA, certificates, things, streams, bucket.',
  description:
    'For the operator CA of DATA_DIR: UpdateCACertificate INACTIVE; DeleteStream for each camera stream;\n' +
    'per certificate of the CA: DetachThingPrincipal, DetachPolicy, UpdateCertificate INACTIVE,\n' +
    'DeleteCertificate; DeleteThing for things left without principals; DeleteCACertificate. With\n' +
    '--bucket: abort its multipart uploads, delete every object (version), DeleteBucket. Without --yes\n' +
    'only lists, in order. Idempotent; a failed step is named with the AWS error, the rest goes on, and\n' +
    'the run exits 1 [AWS_TEARDOWN_FAILED].',
  options: {
    ...awsTargetOptions,
    yes: { type: 'boolean', description: 'delete (default: dry run, list only)' },
    bucket: {
      type: 'string',
      valueName: 'NAME',
      description: 'also empty and delete this bucket (the retained media bucket; after cdk destroy)',
    },
    's3-endpoint': { type: 'string', valueName: 'URL', description: 'S3 endpoint override' },
    'kvs-endpoint': {
      type: 'string',
      valueName: 'URL',
      description:
        'Kinesis Video Streams endpoint override (default endpoints.json kvs, backend.aws.kvsEndpoint)',
    },
    json: jsonOption,
  },
  async run(ctx) {
    const o = ctx.options;
    if (o.bucket !== undefined && !BUCKET_NAME.test(o.bucket)) {
      throw new CamlinkError('CLI_USAGE', `--bucket "${o.bucket}" is not an S3 bucket name`);
    }
    const kvsOption = o['kvs-endpoint'];
    if (kvsOption !== undefined && !/^https?:\/\/[^/\s]+/.test(kvsOption)) {
      throw new CamlinkError('CLI_USAGE', `--kvs-endpoint must be an http(s) URL (got "${kvsOption}")`);
    }
    const { config, pki } = contextOf(ctx);
    const target = await resolveAwsTarget(o, config, ctx.io.env, { s3Endpoint: o['s3-endpoint'] });
    let kvsEndpoint = kvsOption;
    if (kvsEndpoint === undefined && target.kind === 'embedded') {
      kvsEndpoint = (await readEndpoints(o.endpoints ?? join(config.dataDir, 'endpoints.json'))).kvs;
    } else if (kvsEndpoint === undefined) {
      kvsEndpoint = config.backend.aws?.kvsEndpoint;
    }
    const ca = await readOperatorCa(pki);
    const clients = createAwsClients(target);
    // The embedded platform without a video service has no streams to delete.
    const noKvs = target.kind === 'embedded' && kvsEndpoint === undefined;
    const kvs = noKvs ? undefined : createKvsClient(target, kvsEndpoint);
    const progress = (line: string) => ctx.io.stderr(`teardown: ${line}\n`);
    let report: TeardownReport;
    try {
      report = await runTeardown(
        {
          iot: sdkIotPort(clients.iot),
          kvs: kvs === undefined ? undefined : sdkKvsPort(kvs),
          s3: o.bucket === undefined ? undefined : sdkS3Port(clients.s3),
        },
        { caCertificateId: ca.certificateId, bucket: o.bucket, streamName: cameraStreamName },
        { yes: o.yes === true, retry: DEFAULT_RETRY, progress },
      );
    } finally {
      clients.destroy();
      kvs?.destroy();
    }
    print(ctx.io, o.json === true, target.kind === 'embedded' ? 'embedded' : target.region, report);
    const failure = failureOf(report);
    if (failure !== undefined) throw failure;
  },
});

function print(io: CliIo, json: boolean, where: string, report: TeardownReport): void {
  const { plan, outcomes } = report;
  if (json) {
    io.stdout(
      `${JSON.stringify({
        target: where,
        dryRun: outcomes === undefined,
        steps: outcomes ?? plan.steps.map((s) => ({ operation: s.operation, resource: s.resource })),
        notes: plan.notes,
      })}\n`,
    );
    return;
  }
  for (const note of plan.notes) io.stdout(`note: ${note}\n`);
  if (outcomes === undefined) {
    if (plan.steps.length === 0) {
      io.stdout(`nothing to delete (${where})\n`);
      return;
    }
    io.stdout(`would delete (${where}), in order; run again with --yes to do it:\n`);
    for (const s of plan.steps) io.stdout(`${String(s.id + 1).padStart(4)}. ${s.operation} ${s.resource}\n`);
    return;
  }
  if (outcomes.length === 0) io.stdout(`nothing to delete (${where})\n`);
  for (const r of outcomes) {
    io.stdout(`${r.result.padEnd(12)} ${r.operation} ${r.resource}${r.detail ? `  (${r.detail})` : ''}\n`);
  }
}
