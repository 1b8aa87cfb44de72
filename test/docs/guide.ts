/**
 * docs/getting-started.md as its test runs it, with the deployment manual's reader: every ` ```sh `
 * block in document order (` ```shell ` blocks are shown only), each command numbered by its section
 * ("## 3. ..." is step 3), and the only ways the test differs from a person at a terminal (the table
 * at the end of the guide): free ports, the background commands it waits for and their ready lines,
 * the teardown's `kill $(jobs -p)`, and the AWS CLI / boto3 blocks skipped when those are missing.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  manualBlocks,
  splitCommands,
  type ManualBlock,
  type ManualCommand,
} from '../../src/rehearsal/run/manual.js';
import { LONG_RUNNING, type LongRunning, type Resolved } from '../../src/rehearsal/run/substitutions.js';

export const GUIDE_DOCUMENT = 'docs/getting-started.md';
export const GUIDE_PATH = fileURLToPath(new URL('../../docs/getting-started.md', import.meta.url));

export interface GuideBlock {
  readonly block: ManualBlock;
  readonly commands: readonly ManualCommand[];
}

/** The guide's runnable blocks, in order, their commands with the section's number as step. */
export function guideBlocks(markdown = readFileSync(GUIDE_PATH, 'utf8')): GuideBlock[] {
  return manualBlocks(markdown, GUIDE_DOCUMENT)
    .filter((block) => block.lang === 'sh')
    .map((block) => {
      const number = /^(\d+)\./.exec(block.section)?.[1];
      const step = number === undefined ? undefined : Number(number);
      return { block, commands: splitCommands(block, GUIDE_DOCUMENT).map((c) => ({ ...c, step })) };
    });
}

/** The guide's background commands and what each prints once it serves. */
export const GUIDE_LONG_RUNNING: readonly LongRunning[] = [
  {
    name: 'platform',
    pattern: /camlink up\b/,
    ready: /camlink is up[\s\S]*\n\s+endpoints\s+\S+/,
    kind: 'service',
  },
  {
    name: 'video stream',
    pattern: /camlink camera stream\b/,
    ready: /^fragment \w+ timecode/m,
    kind: 'service',
  },
  ...LONG_RUNNING,
];

/** What the machine running the test has of the guide's optional tools. */
export interface GuideTools {
  readonly aws: boolean;
  readonly boto3: boolean;
}

const CAMLINK_UP = /^\.\/bin\/camlink up\b/;
/** The AWS CLI run anywhere in a command (`aws s3 ...`, `$(aws s3 presign ...)`). */
const RUNS_AWS = /(^|[\s;&|(])aws\s/;

/** How the test runs each command of the guide (the guide's table "How this page is tested"). */
export function guideResolver(ptpipPort: number): (text: string) => Resolved {
  return (text) => {
    if (CAMLINK_UP.test(text)) {
      return {
        kind: 'run',
        text: text.replace(CAMLINK_UP, './bin/camlink up --ephemeral-ports'),
        substitution: 'free ports (--ephemeral-ports)',
      };
    }
    if (/^PTPIP_PORT=15740\b/.test(text)) {
      return { kind: 'run', text: `PTPIP_PORT=${ptpipPort}`, substitution: `a free port, ${ptpipPort}` };
    }
    if (text.trim() === 'kill $(jobs -p)') {
      return { kind: 'skip', note: 'the test stopped its background processes before this teardown block' };
    }
    return { kind: 'run', text, substitution: undefined };
  };
}

/**
 * Why a whole block is skipped on this machine: it runs the AWS CLI, or imports boto3, and that is not
 * installed (its later commands use what the missing tool would have made). Undefined: it runs.
 */
export function skippedBlockNote(block: GuideBlock, tools: GuideTools): string | undefined {
  const texts = block.commands.map((c) => c.text);
  if (!tools.aws && texts.some((text) => RUNS_AWS.test(text))) {
    return `the AWS CLI (aws) is not installed here: the block at line ${block.block.line} is skipped`;
  }
  if (!tools.boto3 && texts.some((text) => /\bimport boto3\b/.test(text))) {
    return `Python's boto3 is not installed here: the block at line ${block.block.line} is skipped`;
  }
  return undefined;
}
