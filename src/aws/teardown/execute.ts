/**
 * Runs a teardown plan in order: a step whose dependency did not succeed is skipped (what it needs is
 * left for a rerun), a failure is recorded with the resource and AWS's error and the rest goes on.
 */
import { describeServiceError, hasErrorName } from '../service-error.js';
import { withRetries, type RetryPolicy } from './retry.js';
import type { StepOutcome, TeardownPlan } from './step.js';

export async function executePlan(
  plan: TeardownPlan,
  retry: RetryPolicy,
  progress: (line: string) => void,
): Promise<StepOutcome[]> {
  const ok = new Set<number>();
  const outcomes: StepOutcome[] = [];
  const total = plan.steps.length;
  for (const step of plan.steps) {
    const label = `[${step.id + 1}/${total}] ${step.operation} ${step.resource}`;
    const blocker = step.dependsOn.find((id) => !ok.has(id));
    if (blocker !== undefined) {
      const b = plan.steps[blocker];
      const detail = `waits for step ${blocker + 1} (${b?.operation ?? ''} ${b?.resource ?? ''})`;
      progress(`${label}: skipped, ${detail}`);
      outcomes.push({ operation: step.operation, resource: step.resource, result: 'skipped', detail });
      continue;
    }
    progress(label);
    try {
      await withRetries(
        retry,
        step.retryOn,
        () => step.run((line) => progress(`${label}: ${line}`)),
        (attempt, err) => progress(`${label}: ${describeServiceError('retrying', err)} (attempt ${attempt})`),
      );
      ok.add(step.id);
      outcomes.push({ operation: step.operation, resource: step.resource, result: 'done' });
    } catch (err) {
      if (hasErrorName(err, ...step.doneOn)) {
        ok.add(step.id);
        outcomes.push({ operation: step.operation, resource: step.resource, result: 'already gone' });
        continue;
      }
      const detail = describeServiceError(step.operation, err);
      progress(`${label}: FAILED ${detail}`);
      outcomes.push({ operation: step.operation, resource: step.resource, result: 'failed', detail });
    }
  }
  return outcomes;
}
