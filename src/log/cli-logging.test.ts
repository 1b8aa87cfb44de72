import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliLogging, consoleLevelFor, resolveLogFormat } from './cli-logging.js';

test('auto is pretty when stdout is a terminal, JSON otherwise; json and pretty are forced', () => {
  assert.equal(resolveLogFormat('auto', true), 'pretty');
  assert.equal(resolveLogFormat('auto', false), 'json');
  assert.equal(resolveLogFormat('auto', undefined), 'json');
  assert.equal(resolveLogFormat('json', true), 'json');
  assert.equal(resolveLogFormat('pretty', false), 'pretty');
});

test('the terminal shows warnings and errors, or what --log-level asked', () => {
  assert.equal(consoleLevelFor('info', false), 'warn');
  assert.equal(consoleLevelFor('debug', false), 'warn');
  assert.equal(consoleLevelFor('error', false), 'error');
  assert.equal(consoleLevelFor('debug', true), 'debug');
  assert.equal(consoleLevelFor('silent', false), 'silent');
});

test('pretty: every JSON line goes to the file, the terminal gets warnings and errors as human lines', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'camlink-clilog-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let stderr = '';
  const file = join(dir, 'logs', 'camlink.log');
  const logging = cliLogging({
    name: 'camlink',
    level: 'info',
    format: 'pretty',
    consoleLevel: 'warn',
    file,
    stderr: (text) => (stderr += text),
  });
  t.after(() => logging.close());
  assert.equal(logging.file, file);
  logging.logger.info({ url: 'https://127.0.0.1:1' }, 'object store listening');
  logging.logger.child({ component: 'broker' }).warn({ secretAccessKey: 'wJalr' }, 'dev listener on');
  logging.logger.debug('not logged at info');
  // A line from another thread (the backend's), as its logger wrote it.
  logging.lines?.('{"level":50,"time":1,"name":"camlink","component":"backend","msg":"store down"}\n');
  const lines = (await readFile(file, 'utf8')).trim().split('\n');
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
    ['object store listening', 'dev listener on', 'store down'],
  );
  assert.ok(!lines.join('').includes('wJalr'), 'secrets stay redacted in the file');
  const shown = stderr.trimEnd().split('\n');
  assert.equal(shown.length, 2, stderr);
  assert.match(
    shown[0] ?? '',
    /^\d\d:\d\d:\d\d WARN {2}broker: dev listener on \(secretAccessKey=\[REDACTED\]\)$/,
  );
  assert.match(shown[1] ?? '', /ERROR backend: store down$/);
  assert.ok(!stderr.includes('{'), 'no JSON on the terminal');
});

test('pretty without a log file it cannot open: says so once and shows every logged line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'camlink-clilog-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let stderr = '';
  const logging = cliLogging({
    name: 'camlink',
    level: 'info',
    format: 'pretty',
    consoleLevel: 'warn',
    // A directory where the file should be: it cannot be opened.
    file: dir,
    stderr: (text) => (stderr += text),
  });
  assert.equal(logging.file, undefined);
  assert.equal(logging.consoleLevel, 'info');
  logging.logger.info('hello');
  assert.match(stderr, /^camlink: cannot open the log file .*; logs are shown here only\n.*INFO {2}hello\n$/);
});
