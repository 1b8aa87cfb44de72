/**
 * The object store's quarantine. The store's start-up scan never deletes a file: a data file no sidecar
 * references (older than its safety age) and a sidecar that does not parse are moved to
 * `buckets/<bucket>/quarantine/` (docs/storage.md). Data files are named `data.<sha256(key)>-<rand>`,
 * so the key an upload row names finds its quarantined data again.
 *
 * - An upload row (`done` or `pending`, not deleted) whose object is missing and whose data is in
 *   quarantine is a problem; --repair restores it with DiskStore.restoreQuarantined (the sidecar rebuilt
 *   from the bytes: size, MD5 ETag, checksums; the content type from the row), so the checks after this
 *   one find the object again (the done-uploads check then hashes it against the row's SHA-256).
 * - Quarantined files no upload row names are noted: a crash's leftover (a PUT killed between its data
 *   rename and its sidecar) or an object of another key; inspect them and delete them by hand.
 *
 * A data file still in data/ that no sidecar references (a missing sidecar the store's scan has not
 * quarantined yet: it waits out a safety age) is the same evidence and is treated alike.
 *
 * Reading changes nothing; only --repair opens the store (its start-up scan runs then, with no safety
 * age: fsck --repair holds the data-dir lock).
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { systemErrorCode } from '../../errors/camlink-error.js';
import { DiskStore, keyHash } from '../../storage/disk-layout.js';
import { addFinding, count, skip, type FsckCheck } from '../types.js';

const DATA_NAME = /^data\.([0-9a-f]{64})-/;
const LOOSE_NAME = /^([0-9a-f]{64})-[0-9a-f]{16}$/;

export const quarantineCheck: FsckCheck = {
  id: 'quarantine',
  title: 'quarantined object files',
  quick: true,
  advice: {
    'object-in-quarantine':
      'Objects of upload rows are in the store quarantine: stop the platform and run `camlink fsck --data-dir {dataDir} --repair` to restore them.',
  },
  async run(ctx, report) {
    const { objects } = ctx.sources;
    if (!(await objects.hasBucket(ctx.bucket))) {
      skip(report, `no bucket ${ctx.bucket} in ${objects.root}: the backend keeps its objects elsewhere`);
      return;
    }
    const dir = join(objects.root, 'buckets', ctx.bucket, 'quarantine');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (systemErrorCode(err) !== 'ENOENT') throw err;
      names = [];
    }
    const dataByHash = new Map<string, string[]>();
    for (const name of names) {
      count(report, 'files');
      const m = DATA_NAME.exec(name);
      if (m?.[1] === undefined) continue;
      dataByHash.set(m[1], [...(dataByHash.get(m[1]) ?? []), name]);
    }
    // Data files still in data/ that no sidecar references (younger than the store's safety age, or
    // never scanned since): the same evidence, not yet moved. The disk catalog lists them.
    const listing = await objects.bucket(ctx.bucket);
    const loose = new Map<string, string>();
    for (const path of listing.unreferenced) {
      const m = LOOSE_NAME.exec(basename(path));
      if (m?.[1] !== undefined) loose.set(m[1], path);
    }
    if (names.length === 0 && loose.size === 0) {
      report.summary = 'nothing in quarantine';
      return;
    }
    const rows = await ctx.sources.backend.rows();
    if (!rows.ok) {
      skip(report, rows.reason);
      return;
    }
    const named = new Set<string>();
    let store: DiskStore | undefined;
    for (const row of rows.value.byId.values()) {
      if (row.bucket !== ctx.bucket || row.deletedAt !== undefined) continue;
      if (row.status !== 'done' && row.status !== 'pending') continue;
      const hash = keyHash(row.key);
      const looseFile = loose.get(hash);
      const files = dataByHash.get(hash) ?? [];
      if (files.length === 0 && looseFile === undefined) continue;
      for (const f of files) named.add(f);
      if (listing.objects.has(row.key)) {
        count(report, 'olderCopies', files.length);
        continue;
      }
      count(report, 'restorable');
      const finding = addFinding(report, {
        severity: 'problem',
        kind: 'object-in-quarantine',
        uploadId: row.uploadId,
        bucket: row.bucket,
        key: row.key,
        file: looseFile ?? join(dir, files[files.length - 1] ?? ''),
        message:
          `upload ${row.uploadId} (${row.status}): its object ${row.key} is missing and its data is ` +
          (looseFile === undefined ? 'in quarantine' : `there without its sidecar (${looseFile})`),
      });
      if (!ctx.repair) continue;
      try {
        if (store === undefined) {
          // fsck --repair holds the data-dir lock: nothing else writes, so every unreferenced data file
          // is a leftover and goes to quarantine at once (no safety age), where restoring finds it.
          store = new DiskStore(objects.root, { unreferencedMinAgeMs: 0 });
          await store.init();
        }
        const restored = await store.restoreQuarantined(row.bucket, row.key, {
          contentType: row.contentType,
        });
        finding.repaired = restored !== undefined;
        finding.repair =
          restored === undefined
            ? 'not repaired: the store found nothing of that key in quarantine'
            : `restored: ${restored.size} bytes, ETag ${restored.etag}`;
        if (restored !== undefined) count(report, 'restored');
      } catch (err) {
        finding.repaired = false;
        finding.repair = `not repaired: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    if (ctx.repair) objects.forget(ctx.bucket);
    const unnamed = names.filter((n) => !named.has(n));
    for (const name of unnamed) {
      count(report, 'unnamed');
      addFinding(report, {
        severity: 'note',
        kind: 'quarantined-file',
        bucket: ctx.bucket,
        file: join(dir, name),
        message: `${join(dir, name)} is in quarantine and no upload names it: inspect it, then delete it by hand`,
      });
    }
    const c = report.counts;
    report.summary =
      `${names.length} files in quarantine: ${c.restorable ?? 0} objects of upload rows` +
      (ctx.repair ? ` (${c.restored ?? 0} restored)` : '') +
      `, ${unnamed.length} no upload names`;
  },
};
