/**
 * `pending` uploads whose object is stored: the camera's PUT succeeded and its notification has not
 * been reconciled yet (it waits in the queue or the camera's outbox, or it was lost). A note, not a
 * problem: the backend completes them from the notification, or when the URL has expired from the
 * object itself. Likewise `rejected` uploads whose object is still there (the reconciler deletes it).
 */
import { addFinding, count, skip, type FsckCheck } from '../types.js';

export const pendingUploadsCheck: FsckCheck = {
  id: 'pending-uploads',
  title: 'pending uploads',
  quick: true,
  async run(ctx, report) {
    const rows = await ctx.sources.backend.rows();
    if (!rows.ok) {
      skip(report, rows.reason);
      return;
    }
    const { objects } = ctx.sources;
    for (const row of rows.value.byId.values()) {
      if (row.deletedAt !== undefined || (row.status !== 'pending' && row.status !== 'rejected')) continue;
      count(report, row.status);
      if (!(await objects.hasBucket(row.bucket))) continue;
      const object = (await objects.bucket(row.bucket)).objects.get(row.key);
      if (object === undefined) continue;
      const pending = row.status === 'pending';
      count(report, pending ? 'pendingWithObject' : 'rejectedWithObject');
      addFinding(report, {
        severity: 'note',
        kind: pending ? 'pending-with-object' : 'rejected-with-object',
        uploadId: row.uploadId,
        bucket: row.bucket,
        key: row.key,
        message: pending
          ? `upload ${row.uploadId} is pending and its object is stored: the backend completes it from its notification`
          : `upload ${row.uploadId} was rejected but its object is still stored`,
      });
    }
    const c = report.counts;
    report.summary =
      `${c.pending ?? 0} pending uploads, ${c.pendingWithObject ?? 0} of them with their object stored` +
      (c.rejectedWithObject ? `; ${c.rejectedWithObject} rejected uploads whose object is still stored` : '');
  },
};
