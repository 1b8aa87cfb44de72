import assert from 'node:assert/strict';
import test from 'node:test';
import { manualBlocks, planFor, splitCommands } from './manual.js';

const MANUAL = [
  '# Manual',
  '## Vars',
  '```sh vars=aws',
  'REGION=ap-northeast-1',
  '```',
  '```sh vars=aws-cn,cos',
  'REGION=cn-north-1',
  '```',
  '## Steps',
  '```sh targets=aws,cos step=2',
  'echo two',
  '```',
  '   ```sh targets=aws,aws-cn,cos step=1',
  '   # a comment',
  '   echo one \\',
  '     continued',
  '',
  '   cat > f.json <<EOF',
  '   { "a": "$REGION" }',
  '   EOF',
  '   ./bin/camlink backend --config f.json &',
  '   ```',
  '```sh targets=cos step=2 teardown',
  'echo cos-two',
  '```',
  '```sh',
  'echo example only',
  '```',
].join('\n');

test('blocks carry their fence attributes; examples have none', () => {
  const blocks = manualBlocks(MANUAL);
  assert.equal(blocks.length, 6);
  assert.deepEqual(blocks[1]!.vars, ['aws-cn', 'cos']);
  assert.deepEqual(blocks[3]!.targets, ['aws', 'aws-cn', 'cos']);
  assert.equal(blocks[3]!.step, 1);
  assert.equal(blocks[3]!.section, 'Steps');
  assert.equal(blocks[4]!.teardown, true);
  assert.deepEqual(blocks[5]!.targets, []);
});

test('commands keep continuations and here-documents whole; a trailing & is background', () => {
  const commands = splitCommands(manualBlocks(MANUAL)[3]!);
  assert.deepEqual(
    commands.map((c) => [c.text, c.line, c.background]),
    [
      ['echo one \\\n  continued', 15, false],
      ['cat > f.json <<EOF\n{ "a": "$REGION" }\nEOF', 18, false],
      ['./bin/camlink backend --config f.json', 21, true],
    ],
  );
});

test("a target's plan: its variables, then its blocks by step and document order", () => {
  const blocks = manualBlocks(MANUAL);
  const cos = planFor(blocks, 'cos');
  assert.deepEqual(
    cos.vars.map((c) => c.text),
    ['REGION=cn-north-1'],
  );
  assert.deepEqual(
    cos.commands.map((c) => c.text.split('\n')[0]),
    [
      'echo one \\',
      'cat > f.json <<EOF',
      './bin/camlink backend --config f.json',
      'echo two',
      'echo cos-two',
    ],
  );
  assert.deepEqual(
    planFor(blocks, 'aws-cn').commands.map((c) => c.step),
    [1, 1, 1],
  );
});

test('malformed fences and here-documents are refused with their line', () => {
  assert.throws(
    () => manualBlocks('```sh targets=gcp step=1\nx\n```'),
    /line 1: unknown rehearsal target "gcp"/,
  );
  assert.throws(() => manualBlocks('```sh targets=aws\nx\n```'), /needs step=N/);
  assert.throws(() => manualBlocks('```json targets=aws step=1\n{}\n```'), /only sh blocks run/);
  assert.throws(() => manualBlocks('```sh colour=red\nx\n```'), /unknown fence attribute/);
  assert.throws(() => manualBlocks('```sh\nx\n'), /not closed/);
  const [open] = manualBlocks('```sh targets=aws step=1\ncat > f <<EOF\nno end\n```');
  assert.throws(() => splitCommands(open!), /line 2: here-document EOF is not closed/);
  assert.throws(() => planFor(manualBlocks(MANUAL).slice(1), 'aws'), /no vars=aws block/);
});

test('another document read the same way is named in its errors', () => {
  assert.throws(
    () => manualBlocks('text\n```sh colour=red\nx\n```', 'docs/getting-started.md'),
    /^CamlinkError: docs\/getting-started\.md line 2: unknown fence attribute "colour=red"/,
  );
  const [open] = manualBlocks('```sh\ncat > f <<EOF\nno end\n```', 'docs/getting-started.md');
  assert.throws(
    () => splitCommands(open!, 'docs/getting-started.md'),
    /docs\/getting-started\.md line 2: here-document EOF is not closed/,
  );
  assert.throws(() => manualBlocks('```sh colour=red\nx\n```'), /docs\/deploy\.md line 1/);
});
