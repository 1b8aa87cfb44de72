/**
 * `camlink aws teardown`: plan (list everything that would be deleted, in order), then with `yes`
 * execute. A dry run calls only List/Describe operations.
 */
import { CamlinkError } from '../../errors/camlink-error.js';
import { executePlan } from './execute.js';
import { planTeardown, type TeardownInput, type TeardownPorts } from './plan.js';
import type { RetryPolicy } from './retry.js';
import type { StepOutcome, TeardownPlan } from './step.js';

export interface TeardownReport {
  readonly plan: TeardownPlan;
  /** undefined for a dry run. */
  readonly outcomes: readonly StepOutcome[] | undefined;
}

export async function runTeardown(
  ports: TeardownPorts,
  input: TeardownInput,
  options: { yes: boolean; retry: RetryPolicy; progress: (line: string) => void },
): Promise<TeardownReport> {
  const plan = await planTeardown(ports, input, options.progress);
  if (!options.yes) return { plan, outcomes: undefined };
  return { plan, outcomes: await executePlan(plan, options.retry, options.progress) };
}

/** The error a run with failures ends with (after everything else was tried). */
export function failureOf(report: TeardownReport): CamlinkError | undefined {
  const failed = (report.outcomes ?? []).filter((o) => o.result === 'failed');
  if (failed.length === 0) return undefined;
  const skipped = (report.outcomes ?? []).filter((o) => o.result === 'skipped').length;
  return new CamlinkError(
    'AWS_TEARDOWN_FAILED',
    `${failed.length} step(s) failed${skipped > 0 ? ` and ${skipped} waiting on them were skipped` : ''}: ` +
      failed.map((o) => `${o.resource}: ${o.detail ?? ''}`).join('; '),
  );
}
