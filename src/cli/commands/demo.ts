/** `camlink demo`: the whole direct-upload flow on a fresh temporary embedded platform. */
import { withEphemeralPorts } from '../../config/ephemeral-ports.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../app/demo.js';
import { defineCommand } from '../command.js';
import { summaries } from './summaries.js';
import { commandLogging, logFormatOption } from '../logging.js';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: summaries.demo,
  description:
    'Starts a fresh embedded platform on free ports in a temporary data dir, provisions a camera, pairs\n' +
    'a user with it over PTP/IP, captures, uploads with a pre-signed URL, and waits until the backend has\n' +
    'recorded the upload and notified the app. Prints each step and the object URL; exit code 0 only if\n' +
    'the object is stored, notified and recorded. --keep leaves the data dir for inspection.\n' +
    'Logs: warnings and errors (or what --log-level asks), as JSON lines on stderr, or as one line each\n' +
    'for people when stdout is a terminal (--log-format pretty|json forces either).',
  options: {
    keep: { type: 'boolean', description: 'keep the temporary data dir' },
    'log-format': logFormatOption,
  },
  async run(ctx) {
    const base = ctx.config();
    const dataDir = await mkdtemp(join(os.tmpdir(), 'camlink-demo-'));
    const free = withEphemeralPorts({ ...base, dataDir });
    const config = {
      ...free,
      backend: { ...free.backend, reconciler: { ...free.backend.reconciler, waitTimeSeconds: 1 } },
      broker: { ...free.broker, devPlaintext: { ...free.broker.devPlaintext, enabled: false } },
    };
    const { logger } = commandLogging(ctx, config, { name: 'camlink-demo', level: 'warn' });
    try {
      const result = await runDemo(config, logger, (line) => ctx.io.stdout(`${line}\n`));
      ctx.io.stdout(`object URL: ${result.objectUrl}\n`);
      return 0;
    } finally {
      if (ctx.options.keep === true) ctx.io.stdout(`data dir kept: ${dataDir}\n`);
      else await rm(dataDir, { recursive: true, force: true });
    }
  },
});
