import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { tempDir } from '../../../test/helpers/tmp.js';
import { ManualExecutor, StepFailed } from './executor.js';
import type { ManualCommand } from './manual.js';
import { resolveCommand } from './substitutions.js';

function command(text: string, extra: Partial<ManualCommand> = {}): ManualCommand {
  return { text, line: 10, step: 1, background: false, teardown: false, ...extra };
}

async function executor(t: test.TestContext, options: { timeoutMs?: number } = {}) {
  const dir = await tempDir(t);
  const work = join(dir, 'work');
  await mkdir(join(work, 'sub'), { recursive: true });
  const lines: string[] = [];
  const exec = new ManualExecutor({
    stateDir: join(dir, 'state'),
    cwd: work,
    env: { PATH: process.env.PATH },
    resolve: (text: string) =>
      resolveCommand(text, {
        camlink: '/nonexistent/camlink',
        cdkOut: join(dir, 'cdk.out'),
        atsRoot: join(dir, 'ats.pem'),
        cosMakeBucket: '/nonexistent/cos',
      }),
    logFile: join(dir, 'log'),
    report: (line) => lines.push(line),
    label: 'aws',
    ...options,
  });
  t.after(() => exec.stopAll(1_000));
  return { exec, lines, dir, work };
}

test('variables and the working directory carry over from command to command, as in one shell', async (t) => {
  const { exec, lines, work } = await executor(t);
  await exec.run(command('REGION=ap-northeast-1', { step: undefined }));
  await exec.run(command('cd sub'));
  await exec.run(command('cat > out.json <<EOF\n{"region": "$REGION"}\nEOF'));
  await exec.run(command('APP="--api x"; Q=$(jq -r .region out.json)'));
  await exec.run(command('test "$Q" = ap-northeast-1 && test "$APP" = "--api x"'));
  assert.deepEqual(JSON.parse(await readFile(join(work, 'sub', 'out.json'), 'utf8')), {
    region: 'ap-northeast-1',
  });
  assert.equal(lines.length, 5);
  assert.match(lines[0]!, /^aws step vars line 10 {2}REGION=ap-northeast-1 {2}ok {2}\d+\.\d s$/);
});

test('a failing command names its step and shows its output; a skipped one says why', async (t) => {
  const { exec, lines } = await executor(t);
  await exec.run(command('npx cdk bootstrap aws://1/x'));
  assert.match(lines[0]!, /skipped .*no bootstrap/);
  await assert.rejects(exec.run(command('echo boom >&2; exit 3', { step: 4, line: 77 })), (err: unknown) => {
    assert.ok(err instanceof StepFailed);
    assert.equal(err.step, 'aws step 4 line 77');
    assert.match(err.message, /exit 3\n {4}boom/);
    return true;
  });
  assert.match(lines[1]!, /FAILED .*\(exit 3\)$/);
});

test('a command that does not end is stopped at its limit', async (t) => {
  const { exec, lines } = await executor(t, { timeoutMs: 300 });
  await assert.rejects(exec.run(command('exec sleep 30')), /no exit within 0.3 s/);
  assert.match(lines[0]!, /FAILED/);
});

test('background services are awaited on their ready line, jobs by wait; stopAll ends them', async (t) => {
  const { exec, lines, dir } = await executor(t, { timeoutMs: 10_000 });
  const bin = join(dir, 'bin');
  await mkdir(bin);
  // Stand-ins for the long-running camlink commands, found by the same patterns.
  await writeFile(
    join(bin, 'camlink'),
    [
      '#!/bin/bash',
      'case "$1" in',
      '  backend) echo "camlink backend (store sqlite) listening https://127.0.0.1:8080"; exec sleep 60;;',
      '  app) echo "watching events (Ctrl-C to stop)" >&2; read -t 5 line < "$3"; echo "$line";;',
      'esac',
    ].join('\n'),
    { mode: 0o755 },
  );
  await exec.run(command(`X=1`));
  await exec.run(command(`${bin}/camlink backend --config b.json`, { background: true }));
  assert.deepEqual(exec.running(), ['backend']);
  const fifo = join(dir, 'fifo');
  await exec.run(command(`mkfifo ${fifo}`));
  await exec.run(command(`${bin}/camlink app watch ${fifo}`, { background: true }));
  await exec.run(command(`echo event > ${fifo}`));
  await exec.run(command('wait'));
  assert.deepEqual(exec.running(), ['backend']);
  await exec.stopAll(2_000);
  assert.deepEqual(exec.running(), []);
  assert.match(lines[1]!, /camlink backend --config b\.json & {2}ok .*\(backend ready\)/);
  assert.match(lines.at(-1)!, /wait {2}ok .*1 job/);
});

test('a background command that exits before it is ready fails its step', async (t) => {
  const { exec } = await executor(t);
  await assert.rejects(
    exec.run(command('./bin/camlink backend --config none.json', { background: true })),
    /backend exited before it was ready/,
  );
});

test("another document's runner: its own resolver, background commands and ready lines", async (t) => {
  const dir = await tempDir(t);
  const lines: string[] = [];
  const exec = new ManualExecutor({
    stateDir: join(dir, 'state'),
    cwd: dir,
    env: { PATH: process.env.PATH },
    resolve: (text) =>
      text === 'PORT=15740'
        ? { kind: 'run', text: 'PORT=40001', substitution: 'a free port' }
        : { kind: 'run', text, substitution: undefined },
    longRunning: [{ name: 'server', pattern: /serve\.sh/, ready: /^serving on \d+$/m, kind: 'service' }],
    document: 'docs/getting-started.md',
    substitutedBy: 'test',
    logFile: join(dir, 'log'),
    report: (line) => lines.push(line),
    label: 'guide',
    timeoutMs: 10_000,
  });
  t.after(() => exec.stopAll(1_000));
  await writeFile(join(dir, 'serve.sh'), 'echo "serving on $PORT"; exec sleep 60\n', { mode: 0o755 });
  await exec.run(command('PORT=15740'));
  await exec.run(command('./serve.sh', { background: true }));
  assert.deepEqual(exec.running(), ['server']);
  assert.match(lines[0]!, /PORT=15740 {2}ok .*\(test: a free port\)$/);
  assert.match(lines[1]!, /\.\/serve\.sh & {2}ok .*\(server ready\)$/);
  await assert.rejects(
    exec.run(command('./other.sh', { background: true, line: 42 })),
    /docs\/getting-started\.md line 42: "\.\/other\.sh" runs in the background but the runner does not know its ready line/,
  );
});
