/**
 * One readiness check's result. OK: as the repository's contracts expect; MISSING: the resource does
 * not exist; DIFFERENT: it exists but differs from the contract; UNCHECKED: this target cannot answer
 * (the reason says why); ERROR: the call failed (access denied, network), so nothing is known.
 */
import { describeServiceError } from '../service-error.js';

export const checkStatuses = ['OK', 'MISSING', 'DIFFERENT', 'UNCHECKED', 'ERROR'] as const;
export type CheckStatus = (typeof checkStatuses)[number];

export interface CheckResult {
  /** Short stable name, e.g. "device-policy". */
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found, or why it is not OK. */
  readonly detail: string;
}

/** MISSING, DIFFERENT and ERROR make `camlink aws doctor` fail. */
export function isFailure(result: CheckResult): boolean {
  return result.status === 'MISSING' || result.status === 'DIFFERENT' || result.status === 'ERROR';
}

export function result(check: string, status: CheckStatus, detail: string): CheckResult {
  return { check, status, detail };
}

export function errorResult(check: string, operation: string, err: unknown): CheckResult {
  return result(check, 'ERROR', describeServiceError(operation, err));
}
