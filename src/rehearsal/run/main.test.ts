import assert from 'node:assert/strict';
import test from 'node:test';
import { main, parseRehearseArgs } from './main.js';

test('targets default to all three, in order; --target takes lists and repeats', () => {
  assert.deepEqual(parseRehearseArgs([]).targets, ['aws', 'aws-cn', 'cos']);
  assert.deepEqual(parseRehearseArgs(['--target', 'cos,aws', '--target', 'aws-cn']).targets, [
    'cos',
    'aws',
    'aws-cn',
  ]);
  assert.equal(parseRehearseArgs(['--timeout', '30']).timeoutMs, 30_000);
  assert.throws(() => parseRehearseArgs(['--target', 'gcp']), /--target must be one of aws, aws-cn, cos/);
  assert.throws(() => parseRehearseArgs(['--timeout', '0']), /--timeout must be 1-3600/);
  assert.throws(() => parseRehearseArgs(['--nope']), /Unknown option/);
});

test('a bad command line exits 2 with one line; --list-substitutions prints the table', async () => {
  const lines: string[] = [];
  assert.equal(await main(['--target', 'gcp'], (l) => lines.push(l)), 2);
  assert.match(lines[0]!, /^rehearse: --target/);
  const table: string[] = [];
  assert.equal(await main(['--list-substitutions'], (l) => table.push(l)), 0);
  assert.ok(table.some((l) => l.startsWith('npx cdk deploy')));
  assert.ok(table.some((l) => l.includes('tccli')));
});
