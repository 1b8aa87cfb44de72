/** One deletion teardown plans: the AWS operation, the resource, what it waits for, how it may fail. */
export interface Step {
  readonly id: number;
  /** The AWS operation, e.g. DeleteCertificate. */
  readonly operation: string;
  /** What it acts on, for people (the ids in full). */
  readonly resource: string;
  /** Steps that must have succeeded first; if one failed, this one is skipped (a rerun finds it again). */
  readonly dependsOn: readonly number[];
  /** Errors of AWS's eventual consistency: retried with bounded back-off. */
  readonly retryOn: readonly string[];
  /** Errors that mean the work is done already (an earlier or concurrent run). */
  readonly doneOn: readonly string[];
  run(progress: (line: string) => void): Promise<void>;
}

/** A step as planned, before it has its place (id); the lists default to empty. */
export type NewStep = Omit<Step, 'id' | 'dependsOn' | 'retryOn' | 'doneOn'> &
  Partial<Pick<Step, 'dependsOn' | 'retryOn' | 'doneOn'>>;

export type StepResult = 'done' | 'already gone' | 'failed' | 'skipped';

export interface StepOutcome {
  readonly operation: string;
  readonly resource: string;
  readonly result: StepResult;
  /** failed: "ErrorName: message"; skipped: which step it waited for. */
  readonly detail?: string;
}

export interface TeardownPlan {
  readonly steps: readonly Step[];
  /** What was found and deliberately left alone (e.g. a thing with other principals). */
  readonly notes: readonly string[];
}
