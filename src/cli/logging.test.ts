import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/load.js';
import { isCamlinkError } from '../errors/camlink-error.js';
import type { CliIo } from './command.js';
import { commandLogging } from './logging.js';

function io(stdoutIsTTY: boolean | undefined): CliIo {
  return {
    stdout: () => undefined,
    stderr: () => undefined,
    env: {},
    ...(stdoutIsTTY === undefined ? {} : { stdoutIsTTY }),
  };
}

const config = loadConfig({ env: {}, flags: {} });

test('the format follows the injected terminal unless --log-format or config log.format forces it', () => {
  const format = (stdoutIsTTY: boolean | undefined, flag?: string, env: NodeJS.ProcessEnv = {}) =>
    commandLogging({ io: io(stdoutIsTTY), options: { 'log-format': flag } }, loadConfig({ env, flags: {} }), {
      name: 'camlink',
    }).format;
  assert.equal(format(true), 'pretty');
  assert.equal(format(false), 'json');
  assert.equal(format(undefined), 'json');
  assert.equal(format(true, 'json'), 'json');
  assert.equal(format(false, 'pretty'), 'pretty');
  assert.equal(format(false, undefined, { CAMLINK_LOG__FORMAT: 'pretty' }), 'pretty');
  assert.equal(format(true, undefined, { CAMLINK_LOG__FORMAT: 'json' }), 'json');
  assert.equal(format(false, 'auto', { CAMLINK_LOG__FORMAT: 'pretty' }), 'json');
});

test('an unknown --log-format is a usage error naming the choices', () => {
  assert.throws(
    () => commandLogging({ io: io(true), options: { 'log-format': 'text' } }, config, { name: 'camlink' }),
    (err) => isCamlinkError(err) && err.code === 'CLI_USAGE' && /auto, json, pretty/.test(err.message),
  );
});

test('the command level applies unless --log-level is given (camlink demo: warn)', () => {
  const level = (logLevel?: string) =>
    commandLogging(
      { io: io(false), options: { 'log-level': logLevel } },
      loadConfig({ env: {}, flags: logLevel === undefined ? {} : { log: { level: logLevel } } }),
      { name: 'camlink-demo', level: 'warn' },
    ).level;
  assert.equal(level(), 'warn');
  assert.equal(level('debug'), 'debug');
});
