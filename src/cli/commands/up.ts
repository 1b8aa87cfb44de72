/** `camlink up`: start the embedded platform and keep it running until SIGINT/SIGTERM. */
import { withEphemeralPorts } from '../../config/ephemeral-ports.js';
import { once } from 'node:events';
import { createLogger } from '../../log/logger.js';
import { startCloudAccount, startPlatform } from '../../platform/platform.js';
import { defineCommand } from '../command.js';
import { summaries } from './summaries.js';

export const upCommand = defineCommand({
  name: 'up',
  summary: summaries.up,
  description:
    'Creates the operator CA and the endpoint server certificate on first start. Stops cleanly on\n' +
    'SIGINT/SIGTERM, and when the node process that started it with an IPC channel ends (camlink sim).\n' +
    'Logs are JSON on stderr; the endpoints are printed on stdout when ready.\n' +
    'With config cloudAccount.enabled it plays a fresh cloud account: the services run (and IAM with\n' +
    'iam.enabled) but no operator CA is registered, no device policy, role alias, backend identity,\n' +
    'media bucket, upload queue or rule exists and no backend runs, until the CDK stack (its stand-in)\n' +
    'and the operator create them (`camlink backend` runs the backend). See docs/iam.md.',
  options: {
    'ephemeral-ports': { type: 'boolean', description: 'listen on free ports chosen by the OS (tests, CI)' },
    'dev-plaintext': {
      type: 'boolean',
      description: 'DEV ONLY: also listen for plaintext MQTT without authentication (loopback)',
    },
  },
  async run(ctx) {
    // Watched from the start: a parent that dies while the platform starts is noticed too.
    const orphaned = parentGone();
    const base = ctx.config();
    const chosen = ctx.options['ephemeral-ports'] === true ? withEphemeralPorts(base) : base;
    const config = {
      ...chosen,
      broker: {
        ...chosen.broker,
        devPlaintext: {
          ...chosen.broker.devPlaintext,
          ...(ctx.options['dev-plaintext'] ? { enabled: true } : {}),
        },
      },
    };
    const logger = createLogger({ level: config.log.level, name: 'camlink' });
    const platform = config.cloudAccount.enabled
      ? await startCloudAccount(config, logger)
      : await startPlatform(config, logger);
    ctx.io.stdout(`camlink is up (data dir ${config.dataDir})\n`);
    ctx.io.stdout(`  mqtt (mutual TLS)  ${platform.endpoints.mqtt}\n`);
    if (platform.endpoints.mqttPlaintext) {
      ctx.io.stdout(`  mqtt (DEV, no auth) ${platform.endpoints.mqttPlaintext}\n`);
    }
    ctx.io.stdout(`  IoT API (SigV4)    ${platform.endpoints.iot}\n`);
    ctx.io.stdout(`  IoT credentials    ${platform.endpoints.iotCredentials ?? '-'}  (mutual TLS)\n`);
    ctx.io.stdout(`  S3 (SigV4, COS)    ${platform.endpoints.s3}\n`);
    ctx.io.stdout(`  KVS (SigV4, HLS)   ${platform.endpoints.kvs ?? '-'}\n`);
    ctx.io.stdout(
      `  SQS                ${platform.endpoints.sqs}  upload queue ${platform.endpoints.uploadQueueUrl}\n`,
    );
    ctx.io.stdout(
      `  AWS credentials    ${platform.endpoints.credentials.sharedCredentialsFile} (profile ${platform.endpoints.credentials.profile})\n`,
    );
    if (platform.endpoints.sts !== undefined)
      ctx.io.stdout(`  STS (SigV4)        ${platform.endpoints.sts}\n`);
    if (platform.endpoints.iam !== undefined)
      ctx.io.stdout(`  IAM (SigV4)        ${platform.endpoints.iam}\n`);
    ctx.io.stdout(
      platform.endpoints.api === undefined
        ? '  backend API        - (fresh cloud account: run `camlink backend`)\n'
        : `  backend API        ${platform.endpoints.api}  (operator token in ${platform.operatorTokenFile})\n`,
    );
    ctx.io.stdout(`  CA certificate     ${platform.endpoints.caPath}\n`);
    ctx.io.stdout(`  endpoints          ${platform.endpointsPath}\n`);
    const ended = await Promise.race([
      once(process, 'SIGINT').then(() => 'SIGINT'),
      once(process, 'SIGTERM').then(() => 'SIGTERM'),
      orphaned,
      platform.crashed,
    ]);
    if (ended instanceof Error) {
      ctx.io.stderr(`camlink up: ${ended.message}; stopping\n`);
      await platform.close();
      return 1;
    }
    if (ended === 'parent gone') {
      // Its pipes may have no reader any more: nothing is printed, the log says it.
      logger.warn('the parent process is gone (its IPC channel closed): stopping');
    } else {
      ctx.io.stdout(`stopping (${ended})\n`);
    }
    await platform.close();
    return 0;
  },
});

/**
 * Started by another node process with an IPC channel (`camlink sim` runs its platform so), `camlink up`
 * lives as long as that parent: the channel closes when the parent ends, even by SIGKILL, and the
 * platform then stops cleanly instead of running on unwatched. Without a channel this never settles.
 */
function parentGone(): Promise<'parent gone'> {
  const channel = process.channel;
  if (channel === undefined) return new Promise(() => undefined);
  if (!process.connected) return Promise.resolve('parent gone');
  // The channel carries no messages; it must not keep the process alive once the platform stopped.
  channel.unref();
  return once(process, 'disconnect').then(() => 'parent gone' as const);
}
