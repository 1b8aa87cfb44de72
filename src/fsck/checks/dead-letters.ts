/**
 * The upload queue's dead-letter queue (SQS-compatible, DATA_DIR/queue/queue.db): a notification lands
 * there after failing to reconcile five times, and its upload stays `pending` until it is redriven. Each
 * one is a problem fsck cannot repair; notifications still waiting in the upload queue are a note (the
 * backend reconciles them when it runs).
 */
import { UPLOAD_DLQ_NAME, UPLOAD_QUEUE_NAME } from '../../contracts/upload-queue.js';
import { fileExists } from '../../util/atomic-file.js';
import { openSqliteFile, type Db } from '../../util/sqlite.js';
import { addFinding, count, skip, type FsckCheck } from '../types.js';

export const deadLettersCheck: FsckCheck = {
  id: 'dead-letters',
  title: 'dead letters',
  quick: true,
  advice: {
    'dead-letters':
      'Upload notifications in the dead-letter queue: fix what made them fail (the backend log says), then move them back with `camlink queue redrive`.',
  },
  async run(ctx, report) {
    const path = ctx.sources.queueDb;
    if (!(await fileExists(path))) {
      skip(report, `no queue database at ${path}`);
      return;
    }
    let db: Db | undefined;
    let counts: Map<string, number>;
    try {
      db = openSqliteFile(path, { what: 'queue', dataDir: ctx.dataDir }, undefined, { readonly: true });
      const rows = db
        .prepare(
          `SELECT q.name AS name, COUNT(m.id) AS n FROM queues q
           LEFT JOIN messages m ON m.queue_id = q.id WHERE q.name IN (?, ?) GROUP BY q.name`,
        )
        .all(UPLOAD_DLQ_NAME, UPLOAD_QUEUE_NAME) as { name: string; n: number }[];
      counts = new Map(rows.map((r) => [r.name, Number(r.n)]));
    } catch (err) {
      skip(report, `the queue database cannot be read: ${err instanceof Error ? err.message : String(err)}`);
      return;
    } finally {
      db?.close();
    }
    const dead = counts.get(UPLOAD_DLQ_NAME) ?? 0;
    const waiting = counts.get(UPLOAD_QUEUE_NAME) ?? 0;
    count(report, 'deadLetters', dead);
    count(report, 'waiting', waiting);
    if (dead > 0) {
      const finding = addFinding(report, {
        severity: 'problem',
        kind: 'dead-letters',
        message: `${dead} upload notifications are in the dead-letter queue ${UPLOAD_DLQ_NAME}: their uploads stay pending until they are redriven`,
      });
      if (ctx.repair) {
        finding.repaired = false;
        finding.repair = 'not repaired: redrive them with `camlink queue redrive`';
      }
    }
    if (waiting > 0) {
      addFinding(report, {
        severity: 'note',
        kind: 'queued-notifications',
        message: `${waiting} upload notifications wait in ${UPLOAD_QUEUE_NAME}: the backend reconciles them when it runs`,
      });
    }
    report.summary = `${dead} in ${UPLOAD_DLQ_NAME}, ${waiting} waiting in ${UPLOAD_QUEUE_NAME}`;
  },
};
