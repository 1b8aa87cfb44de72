/**
 * Reads docs/deploy.md as data: its sections and fenced code blocks, so tests check (and later run) what
 * the manual tells an operator to type instead of a copy of it that could drift.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MANUAL_PATH = fileURLToPath(new URL('../../docs/deploy.md', import.meta.url));

export interface ManualBlock {
  /** The fence's info string, e.g. "sh" or "json". */
  readonly lang: string;
  readonly text: string;
  /** The nearest "## " heading above the block. */
  readonly section: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

export function manualBlocks(markdown = readFileSync(MANUAL_PATH, 'utf8')): ManualBlock[] {
  const blocks: ManualBlock[] = [];
  let section = '';
  let open: { lang: string; line: number; indent: number; lines: string[] } | undefined;
  markdown.split('\n').forEach((raw, index) => {
    const fence = /^(\s*)```(.*)$/.exec(raw);
    if (open) {
      if (fence && fence[1]!.length <= open.indent + 3 && fence[2]!.trim() === '') {
        blocks.push({ lang: open.lang, text: open.lines.join('\n'), section, line: open.line });
        open = undefined;
      } else {
        open.lines.push(raw.slice(Math.min(open.indent, raw.length - raw.trimStart().length)));
      }
      return;
    }
    if (fence) {
      open = { lang: fence[2]!.trim(), line: index + 1, indent: fence[1]!.length, lines: [] };
      return;
    }
    const heading = /^## (.+)$/.exec(raw);
    if (heading) section = heading[1]!.trim();
  });
  if (open) throw new Error(`docs/deploy.md: code block at line ${open.line} is not closed`);
  return blocks;
}

/** Sample values for the manual's `<placeholders>` (stack outputs, the endpoint prefix, keys). */
const PLACEHOLDERS: Record<string, string> = {
  prefix: 'a1b2c3d4e5f6g7',
  'UploadQueueUrl output': 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/camlink-uploads',
  'MediaBucket output': 'camlink-media-123456789012-ap-northeast-1',
  SecretId: 'AKIDEXAMPLEEXAMPLEEXAMPLE',
  SecretKey: 'EXAMPLEKEYEXAMPLEKEYEXAMPLEKEY',
};

/** Replaces every `<name>` the manual uses with a sample value; an unknown placeholder is an error. */
export function fillPlaceholders(text: string): string {
  return text.replace(/<([^<>\n]+)>/g, (_match, name: string) => {
    const value = PLACEHOLDERS[name];
    if (value === undefined) throw new Error(`docs/deploy.md: no sample value for placeholder <${name}>`);
    return value;
  });
}
