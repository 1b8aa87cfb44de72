/**
 * Batch actions' shared rules (SQS API Reference, SendMessageBatch / DeleteMessageBatch /
 * ChangeMessageVisibilityBatch): 1-10 entries, ids of 1-80 of A-Z a-z 0-9 _ - and distinct; per-entry
 * failures are reported in `Failed` with SenderFault, the other entries still succeed.
 */
import { SqsError } from './errors.js';

export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 262_144;
const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

export interface BatchFailure {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message: string;
}

export function checkBatchEntries(entries: readonly { Id: string }[]): void {
  if (entries.length === 0) {
    throw new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const { Id } of entries) {
    if (!ENTRY_ID.test(Id)) {
      throw new SqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(Id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${Id} repeated.`);
    seen.add(Id);
  }
}

/** A per-entry failure in SQS's form: Code is the Query-protocol code, as SQS reports it in batches. */
export function batchFailure(id: string, err: unknown): BatchFailure {
  if (err instanceof SqsError) {
    return { Id: id, SenderFault: err.spec.status < 500, Code: err.spec.queryCode, Message: err.message };
  }
  throw err;
}
