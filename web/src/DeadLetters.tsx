/**
 * The operator's view of the upload queue's dead-letter queue (GET /v1/dead-letters, read again every
 * minute): how many upload notifications nothing retries, and the command that moves them back
 * (`camlink queue redrive`, docs/queue.md). Rendered only for operator tokens.
 */
import { useEffect, useState } from 'react';
import { apiGet, describe, formatTime, type DeadLetters as Snapshot } from './api';

const REFRESH_MS = 60_000;

type State =
  { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; snapshot: Snapshot | null };

export function DeadLetters({ token }: { token: string }) {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    const abort = new AbortController();
    const load = () =>
      apiGet<{ deadLetters: Snapshot | null }>(token, '/v1/dead-letters', abort.signal).then(
        ({ deadLetters }) => setState({ kind: 'ready', snapshot: deadLetters }),
        (err: unknown) => {
          if (!abort.signal.aborted) setState({ kind: 'error', message: describe(err) });
        },
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [token]);

  // Not watched by this backend (backend.reconciler.deadLetterCheckSeconds 0): nothing to show.
  if (state.kind === 'ready' && state.snapshot === null) return null;
  return (
    <section aria-labelledby="dead-letters-heading" className="panel dead-letters">
      <h2 id="dead-letters-heading">Dead-letter queue</h2>
      {state.kind === 'loading' && <p role="status">Reading the dead-letter queue…</p>}
      {state.kind === 'error' && (
        <p role="alert" className="error">
          The dead-letter count could not be read: {state.message}
        </p>
      )}
      {state.kind === 'ready' && state.snapshot !== null && <Count snapshot={state.snapshot} />}
    </section>
  );
}

function Count({ snapshot }: { snapshot: Snapshot }) {
  const queue = snapshot.queue ?? 'the dead-letter queue';
  return (
    <div role="status" aria-live="polite">
      {snapshot.count === null ? (
        <p className="error">
          {queue} has not been counted yet{snapshot.error ? `: ${snapshot.error}` : ''}.
        </p>
      ) : snapshot.count === 0 ? (
        <p className="empty">
          No dead letters: every upload notification was reconciled or is still being retried ({queue},
          checked {formatTime(snapshot.checkedAt)}).
        </p>
      ) : (
        <>
          <p className="error dead-letter-count">
            <strong>{snapshot.count}</strong> upload notification{snapshot.count === 1 ? '' : 's'} in {queue}:
            nothing retries {snapshot.count === 1 ? 'it' : 'them'}, and{' '}
            {snapshot.count === 1 ? 'its upload stays' : 'their uploads stay'} pending.
          </p>
          <p>
            Fix what failed, then move them back to the reconciler: <code>{snapshot.redrive}</code> (
            <code>camlink queue dead-letters</code> counts them).
          </p>
          <p className="meta">
            Checked {formatTime(snapshot.checkedAt)}
            {snapshot.error ? `; the last check failed: ${snapshot.error}` : ''}.
          </p>
        </>
      )}
    </div>
  );
}
