/**
 * What /healthz reports beyond "the store answers": the checks that failed since start. The backend's
 * own store fails one when its integrity check at start lists problems or when a statement meets a
 * damaged page; `camlink up` adds the failures of its start-up check of the other databases (iot.db,
 * the queue's...). A failed check stays failed until a restart: a damaged database does not heal.
 */
import type { ErrorCode } from '../errors/registry.js';

export interface FailedCheck {
  /** What was checked: a database file's base name ("backend.db", "iot.db") or "postgres". */
  readonly name: string;
  /** How: "quick_check" (at start), "statement" (met while serving). */
  readonly check: string;
  readonly code: ErrorCode;
  /** SQLite's first findings, shortened. */
  readonly detail: string;
}

const DETAIL_MAX = 300;

export class BackendHealth {
  readonly #failed = new Map<string, FailedCheck>();

  constructor(initial: readonly FailedCheck[] = []) {
    for (const check of initial) this.fail(check);
  }

  /** Records a failed check; false when this name and check had failed already. */
  fail(check: FailedCheck): boolean {
    const id = `${check.name}\0${check.check}`;
    if (this.#failed.has(id)) return false;
    const detail =
      check.detail.length > DETAIL_MAX ? `${check.detail.slice(0, DETAIL_MAX - 1)}…` : check.detail;
    this.#failed.set(id, { ...check, detail });
    return true;
  }

  failures(): FailedCheck[] {
    return [...this.#failed.values()];
  }
}
