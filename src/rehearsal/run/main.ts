/**
 * `npm run rehearse [-- --target aws|aws-cn|cos ...] [--keep] [--timeout S]`: the deployment manual
 * (docs/deploy.md) executed end to end against the rehearsal platform, for each target in sequence
 * (default all three). One line per step; a failed target names its step and keeps its directory. Exit 0
 * only if every target passed; 2 for a bad command line.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ENVIRONMENT_SUBSTITUTIONS, SUBSTITUTIONS } from './substitutions.js';
import { isRehearsalTarget, REHEARSAL_TARGETS, type RehearsalTarget } from './manual.js';
import { rehearseTarget, stopEverything, type TargetResult } from './target-run.js';

const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

export interface RehearseArgs {
  readonly targets: readonly RehearsalTarget[];
  readonly keep: boolean;
  readonly timeoutMs: number | undefined;
  readonly listSubstitutions: boolean;
}

export function parseRehearseArgs(argv: readonly string[]): RehearseArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      target: { type: 'string', multiple: true },
      keep: { type: 'boolean' },
      timeout: { type: 'string' },
      'list-substitutions': { type: 'boolean' },
    },
    strict: true,
  });
  const targets = (values.target ?? []).flatMap((t) => t.split(','));
  for (const t of targets) {
    if (!isRehearsalTarget(t))
      throw new Error(`--target must be one of ${REHEARSAL_TARGETS.join(', ')} (got "${t}")`);
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1 && timeout <= 3600)) {
    throw new Error(`--timeout must be 1-3600 seconds per command (got "${values.timeout}")`);
  }
  return {
    targets: targets.length > 0 ? (targets as RehearsalTarget[]) : REHEARSAL_TARGETS,
    keep: values.keep === true,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    listSubstitutions: values['list-substitutions'] === true,
  };
}

export async function main(argv: readonly string[], print: (line: string) => void): Promise<number> {
  let args: RehearseArgs;
  try {
    args = parseRehearseArgs(argv);
  } catch (err) {
    print(`rehearse: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (args.listSubstitutions) {
    for (const s of SUBSTITUTIONS) print(`${s.manual}\n    -> ${s.rehearsal}`);
    for (const s of ENVIRONMENT_SUBSTITUTIONS) print(`${s.manual}\n    -> ${s.rehearsal}`);
    return 0;
  }
  const results: TargetResult[] = [];
  for (const target of args.targets) {
    print(`== ${target}`);
    const result = await rehearseTarget(target, {
      repoDir: REPO_DIR,
      report: print,
      keep: args.keep,
      ...(args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs }),
    });
    results.push(result);
    if (!result.ok) print(`${target} FAILED: ${result.failure ?? 'unknown'}\n    logs: ${result.dir}`);
  }
  for (const r of results) print(`${r.target.padEnd(6)} ${r.ok ? 'ok' : 'FAILED'}`);
  return results.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  // The commands run in their own process groups: an interrupt stops them here, then exits.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stdout.write(`rehearse: ${signal}, stopping what was started\n`);
      void stopEverything().finally(() => process.exit(130));
    });
  }
  process.exitCode = await main(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
}
