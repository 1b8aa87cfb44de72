/**
 * The object store's files for the uploads bucket (full form only: it reads every object's data):
 * every sidecar parses and is named after its key, every object's data file exists with the size its
 * sidecar records and, when the store recorded a whole-object SHA-256, hashes to it. Data files no
 * sidecar references are noted. fsck changes none of these files.
 */
import { addFinding, count, skip, type FsckCheck } from '../types.js';

const PROGRESS_EVERY = 1_000;

export const objectFilesCheck: FsckCheck = {
  id: 'object-files',
  title: 'object files',
  quick: false,
  advice: {
    'sidecar-unreadable':
      'An unreadable sidecar hides its object: restore the file from a backup (the object store refuses to start while it cannot parse one).',
    'object-damaged':
      'A damaged object (data file missing, of another size, or hashing to another SHA-256): restore it from a backup, or delete the object and its upload.',
  },
  async run(ctx, report) {
    const { objects } = ctx.sources;
    if (!(await objects.hasBucket(ctx.bucket))) {
      skip(report, `no bucket ${ctx.bucket} in ${objects.root}: the backend keeps its objects elsewhere`);
      return;
    }
    const listing = await objects.bucket(ctx.bucket);
    for (const damaged of listing.damaged) {
      count(report, 'unreadableSidecars');
      addFinding(report, {
        severity: 'problem',
        kind: 'sidecar-unreadable',
        bucket: ctx.bucket,
        file: damaged.file,
        message: `sidecar ${damaged.file}: ${damaged.reason}`,
      });
    }
    for (const file of listing.unreferenced) {
      count(report, 'unreferencedDataFiles');
      addFinding(report, {
        severity: 'note',
        kind: 'unreferenced-data-file',
        bucket: ctx.bucket,
        file,
        message: `data file ${file} belongs to no object (left by an interrupted write, or its sidecar is lost)`,
      });
    }
    let checked = 0;
    for (const object of listing.objects.values()) {
      const data = await ctx.sources.dataOf(object);
      count(report, 'objects');
      if (!data.ok) {
        count(report, 'damagedObjects');
        addFinding(report, {
          severity: 'problem',
          kind: 'object-damaged',
          bucket: object.bucket,
          key: object.key,
          file: object.dataPath,
          message: `object ${object.key}: ${data.reason}`,
        });
      } else count(report, 'bytes', object.size);
      if (++checked % PROGRESS_EVERY === 0) {
        ctx.progress(`${ctx.bucket}: ${checked} of ${listing.objects.size} objects hashed`);
      }
    }
    const c = report.counts;
    report.summary =
      `${c.objects ?? 0} objects in ${ctx.bucket} (${c.bytes ?? 0} bytes hashed): ${c.damagedObjects ?? 0} damaged, ` +
      `${c.unreadableSidecars ?? 0} unreadable sidecars, ${c.unreferencedDataFiles ?? 0} unreferenced data files`;
  },
};
