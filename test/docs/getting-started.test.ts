/**
 * docs/getting-started.md works as written: its ` ```sh ` blocks run in order (the deployment manual's
 * reader and executor, src/rehearsal/run/) from a temporary directory laid out like the clone's root,
 * with one platform boot, and the first failing command fails the test naming its line in the guide.
 * The ways the run differs from a person at a terminal are the guide's own table (test/docs/guide.ts).
 * README sends newcomers there first.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { linkCheckout } from '../../src/rehearsal/run/environment.js';
import { ManualExecutor, StepFailed } from '../../src/rehearsal/run/executor.js';
import { freePorts } from '../helpers/platform-process.js';
import { tempDir } from '../helpers/tmp.js';
import {
  GUIDE_DOCUMENT,
  GUIDE_LONG_RUNNING,
  guideBlocks,
  guideResolver,
  skippedBlockNote,
  type GuideTools,
} from './guide.js';

const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));

test('README sends newcomers to docs/getting-started.md before any other document', () => {
  const readme = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');
  const firstLink = /\]\((docs\/[^)#\s]+)/.exec(readme)?.[1];
  assert.equal(firstLink, 'docs/getting-started.md');
  assert.match(readme, /New here\? Start with \[docs\/getting-started\.md\]/);
});

test('the guide shows the install step only, and ends by stopping what it started', () => {
  const blocks = guideBlocks();
  const run = blocks.flatMap((b) => b.commands.map((c) => c.text));
  assert.ok(!run.some((text) => /npm (install|ci)\b/.test(text)), 'npm install is a shell (shown) block');
  assert.ok(
    run.some((text) => /^\.\/bin\/camlink up\b.*/.test(text)),
    'the guide starts the platform',
  );
  const last = blocks.at(-1)!;
  assert.ok(last.block.teardown, `the last block (line ${last.block.line}) is the teardown`);
  for (const { commands } of blocks) {
    for (const command of commands) {
      assert.ok(command.step !== undefined, `line ${command.line} is under a numbered "## N." section`);
    }
  }
});

test('without the AWS CLI or boto3, only their blocks are skipped, saying why', () => {
  const blocks = guideBlocks();
  const skippedWithout = (tools: GuideTools) =>
    blocks.filter((b) => skippedBlockNote(b, tools) !== undefined).map((b) => b.block.line);
  const aws = skippedWithout({ aws: false, boto3: true });
  const boto3 = skippedWithout({ aws: true, boto3: false });
  assert.equal(aws.length, 1, 'one AWS CLI block');
  assert.equal(boto3.length, 1, 'one boto3 block');
  assert.notEqual(aws[0], boto3[0]);
  assert.deepEqual(skippedWithout({ aws: true, boto3: true }), []);
  const awsBlock = blocks.find((b) => b.block.line === aws[0])!;
  assert.match(skippedBlockNote(awsBlock, { aws: false, boto3: true })!, /AWS CLI \(aws\) is not installed/);
  // Nothing after them reads what the skipped blocks write.
  const later = blocks
    .filter((b) => b.block.line > Math.max(aws[0]!, boto3[0]!))
    .flatMap((b) => b.commands.map((c) => c.text))
    .join('\n');
  assert.doesNotMatch(later, /presigned\.txt|photo-aws\.jpg/);
});

/** The environment of the guide's shell: the caller's PATH, a HOME of its own, no AWS_* or CAMLINK_*. */
function guideEnv(home: string): NodeJS.ProcessEnv {
  // The AWS CLI and python3 may be pyenv shims, which look for their versions under the real HOME.
  const pyenvRoot = process.env.PYENV_ROOT ?? join(homedir(), '.pyenv');
  return {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C',
    ...(process.env.TMPDIR === undefined ? {} : { TMPDIR: process.env.TMPDIR }),
    ...(existsSync(pyenvRoot) ? { PYENV_ROOT: pyenvRoot } : {}),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function works(env: NodeJS.ProcessEnv, script: string): boolean {
  return spawnSync('bash', ['-c', script], { env, stdio: 'ignore', timeout: 60_000 }).status === 0;
}

// About a minute here alone; each ./bin/camlink start costs seconds of CPU, so a busy machine (the
// suite in parallel) can take several: bounded above the suite's default of 3 minutes.
const RUN_TIMEOUT_MS = 420_000;

test(
  'docs/getting-started.md runs from a fresh clone to a picture and a video',
  { timeout: RUN_TIMEOUT_MS },
  async (t) => {
    const dir = await tempDir(t, 'camlink-guide-');
    const clone = join(dir, 'clone');
    const home = join(dir, 'home');
    await linkCheckout(REPO_DIR, clone);
    await mkdir(home);
    const env = guideEnv(home);
    const tools: GuideTools = {
      aws: works(env, 'aws --version'),
      boto3: works(env, 'python3 -c "import boto3"'),
    };
    const [ptpipPort] = await freePorts(1);
    const resolve = guideResolver(ptpipPort!);
    /** Set while a block runs that this machine cannot run (skippedBlockNote). */
    let skipBlock: string | undefined;
    const report: string[] = [];
    const executor = new ManualExecutor({
      stateDir: join(dir, 'state'),
      cwd: clone,
      env,
      resolve: (text) => (skipBlock === undefined ? resolve(text) : { kind: 'skip', note: skipBlock }),
      longRunning: GUIDE_LONG_RUNNING,
      document: GUIDE_DOCUMENT,
      substitutedBy: 'test',
      logFile: join(dir, 'guide.log'),
      report: (line) => {
        report.push(line);
        t.diagnostic(line);
      },
      label: GUIDE_DOCUMENT,
      timeoutMs: 120_000,
    });
    t.after(() => executor.stopAll(5_000));

    for (const guideBlock of guideBlocks()) {
      const { block, commands } = guideBlock;
      skipBlock = skippedBlockNote(guideBlock, tools);
      if (block.teardown) await executor.stopAll();
      for (const command of commands) {
        try {
          await executor.run(command);
        } catch (err) {
          if (!(err instanceof StepFailed)) throw err;
          assert.fail(
            `${err.message}\n  (the block at ${GUIDE_DOCUMENT} line ${block.line}, "${block.section}")`,
          );
        }
      }
    }
    assert.deepEqual(executor.running(), []);
    // Skipped: the teardown's kill, and the AWS CLI / boto3 blocks only where those are missing.
    const skipped = report.filter((line) => / {2}skipped {2}/.test(line));
    if (tools.aws && tools.boto3) assert.equal(skipped.length, 1, skipped.join('\n'));
  },
);
