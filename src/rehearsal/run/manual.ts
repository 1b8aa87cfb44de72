/**
 * docs/deploy.md as data: its fenced blocks with the attributes of their info string
 * (` ```sh targets=aws,aws-cn step=3 `, ` ```sh vars=aws `, `teardown`), and the plan a rehearsal target
 * runs: its variable blocks in document order, then its command blocks sorted by step (document order
 * within a step), each split into shell commands (continuation lines and here-documents kept whole).
 * Another document written the same way (docs/getting-started.md) is read with its own name, which
 * the errors then give.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CamlinkError } from '../../errors/camlink-error.js';

export const MANUAL_PATH = fileURLToPath(new URL('../../../docs/deploy.md', import.meta.url));
/** How errors name the manual (a path from the repository root). */
export const MANUAL_DOCUMENT = 'docs/deploy.md';

export const REHEARSAL_TARGETS = ['aws', 'aws-cn', 'cos'] as const;
export type RehearsalTarget = (typeof REHEARSAL_TARGETS)[number];

export function isRehearsalTarget(value: string): value is RehearsalTarget {
  return (REHEARSAL_TARGETS as readonly string[]).includes(value);
}

export interface ManualBlock {
  /** The fence's language, e.g. "sh" or "json". */
  readonly lang: string;
  readonly text: string;
  /** The nearest "## " heading above the block. */
  readonly section: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** Targets that run this block (`targets=`); empty for examples. */
  readonly targets: readonly RehearsalTarget[];
  /** Targets whose variables this block sets (`vars=`). */
  readonly vars: readonly RehearsalTarget[];
  /** `step=N` of a command block. */
  readonly step: number | undefined;
  /** `teardown`: long-running commands are stopped before it runs. */
  readonly teardown: boolean;
}

export interface ManualCommand {
  readonly text: string;
  /** 1-based line in the manual of the command's first line. */
  readonly line: number;
  readonly step: number | undefined;
  /** Ends with a lone `&`: started in the background (the text is without it). */
  readonly background: boolean;
  readonly teardown: boolean;
}

export interface TargetPlan {
  readonly target: RehearsalTarget;
  readonly vars: readonly ManualCommand[];
  readonly commands: readonly ManualCommand[];
}

function manualError(line: number, message: string, document = MANUAL_DOCUMENT): CamlinkError {
  return new CamlinkError('CONFIG_INVALID', `${document} line ${line}: ${message}`);
}

function targetList(value: string, line: number, document: string): RehearsalTarget[] {
  return value.split(',').map((name) => {
    if (!isRehearsalTarget(name)) throw manualError(line, `unknown rehearsal target "${name}"`, document);
    return name;
  });
}

function parseInfo(info: string, line: number, document: string) {
  const fail = (message: string) => manualError(line, message, document);
  const [lang = '', ...words] = info.trim().split(/\s+/).filter(Boolean);
  let targets: RehearsalTarget[] = [];
  let vars: RehearsalTarget[] = [];
  let step: number | undefined;
  let teardown = false;
  for (const word of words) {
    const [key, value] = word.split('=', 2) as [string, string | undefined];
    if (key === 'targets' && value) targets = targetList(value, line, document);
    else if (key === 'vars' && value) vars = targetList(value, line, document);
    else if (key === 'step' && value && /^\d{1,3}$/.test(value)) step = Number(value);
    else if (key === 'teardown' && value === undefined) teardown = true;
    else throw fail(`unknown fence attribute "${word}"`);
  }
  if (targets.length > 0 && step === undefined) throw fail('a targets= block needs step=N');
  if (targets.length > 0 && vars.length > 0) throw fail('a block has targets= or vars=, not both');
  if ((targets.length > 0 || vars.length > 0) && lang !== 'sh') {
    throw fail(`only sh blocks run (got "${lang}")`);
  }
  return { lang, targets, vars, step, teardown };
}

/** The fenced blocks of a manual; `document` names it in errors (default docs/deploy.md). */
export function manualBlocks(
  markdown = readFileSync(MANUAL_PATH, 'utf8'),
  document = MANUAL_DOCUMENT,
): ManualBlock[] {
  const blocks: ManualBlock[] = [];
  let section = '';
  let open: { info: string; line: number; indent: number; lines: string[] } | undefined;
  markdown.split('\n').forEach((raw, index) => {
    const fence = /^(\s*)```(.*)$/.exec(raw);
    if (open) {
      if (fence && fence[1]!.length <= open.indent + 3 && fence[2]!.trim() === '') {
        const info = parseInfo(open.info, open.line, document);
        blocks.push({ ...info, text: open.lines.join('\n'), section, line: open.line });
        open = undefined;
      } else {
        open.lines.push(raw.slice(Math.min(open.indent, raw.length - raw.trimStart().length)));
      }
      return;
    }
    if (fence) {
      open = { info: fence[2]!, line: index + 1, indent: fence[1]!.length, lines: [] };
      return;
    }
    const heading = /^## (.+)$/.exec(raw);
    if (heading) section = heading[1]!.trim();
  });
  if (open) throw manualError(open.line, 'code block is not closed', document);
  return blocks;
}

/** The here-document delimiter a line opens (`<<EOF`, `<<'EOF'`, `<<-EOF`), if any. */
function heredocDelimiter(line: string): string | undefined {
  return /<<-?\s*(['"]?)([A-Za-z_]\w*)\1/.exec(line)?.[2];
}

/** A block's shell commands: blank and comment lines dropped, `\` continuations and here-documents kept. */
export function splitCommands(block: ManualBlock, document = MANUAL_DOCUMENT): ManualCommand[] {
  const lines = block.text.split('\n');
  const commands: ManualCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!;
    if (first.trim() === '' || first.trim().startsWith('#')) continue;
    const start = i;
    const parts = [first];
    while (parts.at(-1)!.endsWith('\\') && i + 1 < lines.length) parts.push(lines[++i]!);
    const delimiter = heredocDelimiter(parts.join('\n'));
    if (delimiter !== undefined) {
      for (;;) {
        if (i + 1 >= lines.length) {
          throw manualError(block.line + 1 + start, `here-document ${delimiter} is not closed`, document);
        }
        const next = lines[++i]!;
        parts.push(next);
        if (next.trim() === delimiter) break;
      }
    }
    let text = parts.join('\n');
    const background = delimiter === undefined && /(^|[^&])&\s*$/.test(text);
    if (background) text = text.replace(/\s*&\s*$/, '');
    commands.push({
      text,
      line: block.line + 1 + start,
      step: block.step,
      background,
      teardown: block.teardown,
    });
  }
  return commands;
}

export function planFor(blocks: readonly ManualBlock[], target: RehearsalTarget): TargetPlan {
  const vars = blocks.filter((b) => b.vars.includes(target)).flatMap((b) => splitCommands(b));
  const ordered = blocks
    .map((block, index) => ({ block, index }))
    .filter(({ block }) => block.targets.includes(target))
    .sort((a, b) => (a.block.step ?? 0) - (b.block.step ?? 0) || a.index - b.index);
  const commands = ordered.flatMap(({ block }) => splitCommands(block));
  if (vars.length === 0)
    throw new CamlinkError('CONFIG_INVALID', `docs/deploy.md has no vars=${target} block`);
  if (commands.length === 0) {
    throw new CamlinkError('CONFIG_INVALID', `docs/deploy.md has no targets=${target} block`);
  }
  return { target, vars, commands };
}
