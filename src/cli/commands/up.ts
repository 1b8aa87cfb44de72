/** `camlink up`: start the embedded platform and keep it running until SIGINT/SIGTERM. */
import { withEphemeralPorts } from '../../config/ephemeral-ports.js';
import { once } from 'node:events';
import { logFileOf } from '../../log/cli-logging.js';
import { startCloudAccount, startPlatform } from '../../platform/platform.js';
import { startingLine, upSummary } from '../../platform/summary.js';
import { defineCommand } from '../command.js';
import { summaries } from './summaries.js';
import { commandLogging, logFormatOption } from '../logging.js';

export const upCommand = defineCommand({
  name: 'up',
  summary: summaries.up,
  description:
    'Creates the operator CA and the endpoint server certificate on first start. Stops cleanly on\n' +
    'SIGINT/SIGTERM, and when the node process that started it with an IPC channel ends (camlink sim).\n' +
    'The endpoints are printed on stdout when ready. Logs are JSON lines on stderr, except when stdout is\n' +
    'a terminal (or --log-format pretty): then the JSON lines go to DATA_DIR/logs/camlink.log (10 MiB,\n' +
    'then it moves to camlink.log.1) and warnings and errors show as one line each (every line at the\n' +
    'level --log-level names, when given). --log-format json keeps JSON on stderr in a terminal too.\n' +
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
    'log-format': logFormatOption,
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
    const logging = commandLogging(ctx, config, { name: 'camlink', file: logFileOf(config.dataDir) });
    const { logger } = logging;
    ctx.io.stdout(startingLine(config.dataDir, logging));
    const options = { threadLogs: logging.lines };
    const platform = config.cloudAccount.enabled
      ? await startCloudAccount(config, logger, options)
      : await startPlatform(config, logger, options);
    // Listening before the summary says "up": a SIGINT sent as soon as it is read must find a handler,
    // not the default action (the process killed mid-write, nothing closed).
    const signalled = Promise.race([
      once(process, 'SIGINT').then(() => 'SIGINT' as const),
      once(process, 'SIGTERM').then(() => 'SIGTERM' as const),
    ]);
    ctx.io.stdout(upSummary(platform, config.dataDir, logging));
    const ended = await Promise.race([signalled, orphaned, platform.crashed]);
    if (ended instanceof Error) {
      ctx.io.stderr(`camlink up: ${ended.message}; stopping\n`);
      await platform.close();
      logging.close();
      return 1;
    }
    if (ended === 'parent gone') {
      // Its pipes may have no reader any more: nothing is printed, the log says it.
      logger.warn('the parent process is gone (its IPC channel closed): stopping');
    } else {
      ctx.io.stdout(`stopping (${ended})\n`);
    }
    await platform.close();
    logging.close();
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
