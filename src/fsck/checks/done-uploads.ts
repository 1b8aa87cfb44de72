/**
 * Every `done` upload (not deleted) has its object, of the recorded size and (full form: hashed; quick
 * form: as the store recorded it) SHA-256. fsck reports these and changes nothing: the backend's store
 * has no place to mark a done upload damaged (a new status would change the API contract), so the
 * advice is to restore the object or delete the upload.
 */
import type { UploadRow } from '../sources.js';
import { addFinding, count, skip, type FsckCheck } from '../types.js';

const NOT_REPAIRED =
  'not repaired: fsck reports it only (the backend store has no place to mark a done upload damaged)';

export const doneUploadsCheck: FsckCheck = {
  id: 'done-uploads',
  title: 'done uploads',
  quick: true,
  advice: {
    'done-object-missing':
      'Done uploads whose object is gone: restore the objects from a backup (fsck then finds them), or delete those uploads (DELETE /v1/uploads/{id}).',
    'done-object-differs':
      'Done uploads whose object differs from what was verified: restore the objects from a backup, or delete those uploads.',
  },
  async run(ctx, report) {
    const rows = await ctx.sources.backend.rows();
    if (!rows.ok) {
      skip(report, rows.reason);
      return;
    }
    const { objects } = ctx.sources;
    const present = new Map<string, boolean>();
    const problem = (row: UploadRow, kind: string, message: string) => {
      const finding = addFinding(report, {
        severity: 'problem',
        kind,
        uploadId: row.uploadId,
        bucket: row.bucket,
        key: row.key,
        message: `upload ${row.uploadId} (${row.key}): ${message}`,
      });
      if (ctx.repair) {
        finding.repaired = false;
        finding.repair = NOT_REPAIRED;
      }
    };
    for (const row of rows.value.byId.values()) {
      if (row.status !== 'done') continue;
      let inStore = present.get(row.bucket);
      if (inStore === undefined) {
        inStore = await objects.hasBucket(row.bucket);
        present.set(row.bucket, inStore);
      }
      if (!inStore) {
        count(report, 'elsewhere');
        continue;
      }
      const object = (await objects.bucket(row.bucket)).objects.get(row.key);
      if (row.deletedAt !== undefined) {
        if (object !== undefined) {
          count(report, 'deletedWithObject');
          addFinding(report, {
            severity: 'note',
            kind: 'deleted-upload-object',
            uploadId: row.uploadId,
            bucket: row.bucket,
            key: row.key,
            message: `upload ${row.uploadId} was deleted but its object ${row.key} is still stored`,
          });
        }
        continue;
      }
      count(report, 'done');
      if (object === undefined) {
        count(report, 'missing');
        problem(row, 'done-object-missing', 'done, but its object is not in the store');
        continue;
      }
      if (row.size !== undefined && object.size !== row.size) {
        count(report, 'differs');
        problem(row, 'done-object-differs', `done with ${row.size} bytes, its object has ${object.size}`);
        continue;
      }
      let sha256 = object.sha256;
      if (ctx.mode === 'full') {
        const data = await ctx.sources.dataOf(object);
        if (!data.ok) {
          count(report, 'differs');
          problem(row, 'done-object-differs', data.reason);
          continue;
        }
        sha256 = data.sha256;
      }
      if (row.sha256 !== undefined && sha256 !== undefined && sha256 !== row.sha256) {
        count(report, 'differs');
        problem(row, 'done-object-differs', `done with SHA-256 ${row.sha256}, its object's is ${sha256}`);
      }
    }
    const c = report.counts;
    report.summary =
      `${c.done ?? 0} done uploads: ${c.missing ?? 0} without their object, ${c.differs ?? 0} whose object differs` +
      (c.elsewhere ? `; ${c.elsewhere} in buckets this data dir does not hold (not checked)` : '');
  },
};
