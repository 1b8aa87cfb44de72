/** The CLI contract: --help everywhere, one-line coded errors, non-zero exits, nothing secret printed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootCommand } from '../../src/cli/commands/index.js';
import { resolveNode, type CommandNode } from '../../src/cli/command.js';
import { cli, cliProcess, errorCodeOf } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

async function walk(chosen: CommandNode, path: string[] = []): Promise<string[][]> {
  const node = await resolveNode(chosen);
  if (node.kind === 'command') return [path];
  const below = await Promise.all(node.children.map((child) => walk(child, [...path, child.name])));
  return [path, ...below.flat()];
}

test('every command and group answers --help with usage and exit 0', async () => {
  const paths = await walk(rootCommand);
  assert.ok(paths.length >= 11);
  for (const path of paths) {
    const run = await cli([...path, '--help']);
    assert.equal(run.code, 0, `${path.join(' ')}: ${run.stderr}`);
    assert.match(run.stdout, new RegExp(`^Usage: camlink${path.length ? ` ${path.join(' ')}` : ''} `));
    assert.equal(run.stderr, '');
  }
});

test('the real binary runs after npm install: --help, --version and a coded failure', async (t) => {
  const help = await cliProcess(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Commands:\n\s+up\s[^\n]+\n\s+ca\s/);
  const version = await cliProcess(['--version']);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const dir = await tempDir(t);
  const run = await cliProcess(['device', 'create', 'x'.repeat(129), '--data-dir', dir]);
  assert.equal(run.code, 1);
  assert.equal(errorCodeOf(run), 'DEVICE_ID_INVALID');
  assert.equal(run.stderr.split('\n').filter(Boolean).length, 1);
});

test('usage errors exit 2 with one line naming the problem', async () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command "frobnicate"/],
    [['ca', 'nope'], /unknown command "nope"/],
    [['ca', 'init', '--bogus'], /Unknown option '--bogus'/],
    [['device', 'create'], /missing argument ID/],
    [['device', 'create', 'a', 'b'], /unexpected argument "b"/],
    [['device', 'sign-csr'], /--csr FILE is required/],
    [['ca', 'verification-cert'], /--registration-code CODE is required/],
    [['ca', 'init', '--key-algorithm', 'dsa'], /--key-algorithm must be one of/],
    [['device', 'revoke', 'cam', '--reason', 'bored'], /--reason must be one of/],
  ];
  for (const [argv, message] of cases) {
    const run = await cli(argv);
    assert.equal(run.code, 2, argv.join(' '));
    assert.equal(errorCodeOf(run), 'CLI_USAGE');
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  }
  const bare = await cli(['device']);
  assert.equal(bare.code, 2, 'a group without a command shows help and fails');
  assert.match(bare.stdout, /Commands:/);
});

test('bad configuration and invalid ids fail with their codes', async (t) => {
  const dir = await tempDir(t);
  const badEnv = await cli(['ca', 'init'], { CAMLINK_DATA_DIR: dir, CAMLINK_PKI__KEY_ALGORITM: 'x' });
  assert.equal(badEnv.code, 1);
  assert.equal(errorCodeOf(badEnv), 'CONFIG_INVALID');
  assert.equal((await cli(['ca', 'init', '--data-dir', dir])).code, 0);
  const again = await cli(['ca', 'init', '--data-dir', dir]);
  assert.equal(errorCodeOf(again), 'PKI_CA_EXISTS');
  for (const id of ['cam+1', 'cam#1', 'cam/1', 'c'.repeat(129)]) {
    const run = await cli(['device', 'create', id, '--data-dir', dir]);
    assert.equal(run.code, 1);
    assert.equal(errorCodeOf(run), 'DEVICE_ID_INVALID', id);
  }
  const notFound = await cli(['device', 'create', 'cam-1', '--data-dir', `${dir}/elsewhere`]);
  assert.equal(errorCodeOf(notFound), 'PKI_CA_NOT_FOUND');
});

test('--json output is one parseable object and the device list shows status', async (t) => {
  const dir = await tempDir(t);
  const env = { CAMLINK_DATA_DIR: dir };
  await cli(['ca', 'init'], env);
  const created = await cli(['device', 'create', 'cam-9', '--json'], env);
  const parsed = JSON.parse(created.stdout) as Record<string, string>;
  assert.equal(parsed['device id'], 'cam-9');
  assert.match(parsed['certificate id'] ?? '', /^[0-9a-f]{64}$/);
  await cli(['device', 'revoke', 'cam-9'], env);
  const list = JSON.parse((await cli(['device', 'list', '--json'], env)).stdout) as { status: string }[];
  assert.deepEqual(
    list.map((d) => d.status),
    ['revoked'],
  );
});

test('an unknown subcommand is a usage error naming it and the valid ones, with or without --help', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['camera', 'nosuchthing', '--help'],
      /unknown command "nosuchthing" for camlink camera; valid commands: stream\b/,
    ],
    [['camera', 'nosuchthing'], /unknown command "nosuchthing" for camlink camera; valid commands: stream\b/],
    [['camera', '--help', 'nosuchthing'], /unknown command "nosuchthing" for camlink camera/],
    [
      ['device', 'nosuch', '--help'],
      /unknown command "nosuch" for camlink device; valid commands: create, sign-csr, revoke, list\b/,
    ],
    [['nosuch', '--help'], /unknown command "nosuch" for camlink; valid commands: up, ca, /],
  ];
  for (const [argv, message] of cases) {
    const run = await cli(argv);
    assert.equal(run.code, 2, argv.join(' '));
    assert.equal(errorCodeOf(run), 'CLI_USAGE');
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '', `${argv.join(' ')}: no help on stdout`);
  }
  const stream = await cli(['camera', 'stream', '--help']);
  assert.equal(stream.code, 0, 'a known subcommand still answers --help');
  assert.match(stream.stdout, /^Usage: camlink camera stream /);
});
