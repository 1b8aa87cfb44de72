/**
 * Objects the backend wrote under devices/ that no upload row names: an upload whose row was lost (a
 * backend database restored from an old backup, or its WAL lost after a crash) while the store kept
 * the object. With --repair the row is rebuilt from the key and the object's metadata:
 *
 * - upload id, device id from the key `devices/<deviceId>/<uploadId>.<ext>`;
 * - content type and size from the sidecar; SHA-256 computed from the data (which also proves the data
 *   whole and, when the store recorded a SHA-256, equal to it);
 * - status `done`; created, expiry and completion time: the object's last-modified time;
 * - owner: the device's current owner if it is paired, else none (an unpaired device's upload);
 *   requested_by `app` (the column's value for rows that do not know; who asked is not recorded in the
 *   object); no capture time and no object URL (the API derives the URL).
 *
 * A device the backend no longer knows is registered again without a certificate id (pairing then
 * accepts any ACTIVE certificate of the thing). Thumbnails without their upload and other keys under
 * devices/ are noted, never turned into rows.
 */
import type { BackendStore } from '../../backend/store/types.js';
import type { CatalogObject } from '../sources.js';
import { objectId } from '../sources.js';
import { DEVICES_PREFIX, parseObjectKey } from '../upload-keys.js';
import { addFinding, count, skip, type FsckCheck, type FsckContext } from '../types.js';

export const objectsWithoutRowsCheck: FsckCheck = {
  id: 'objects-without-rows',
  title: 'objects without rows',
  quick: true,
  advice: {
    'object-without-row':
      'Objects without an upload row: stop the platform and run `camlink fsck --data-dir {dataDir} --repair` to rebuild the rows from the objects.',
    'upload-key-mismatch':
      'An upload row names another object than the key its id is stored under: check the row and the object by hand.',
  },
  async run(ctx, report) {
    const rows = await ctx.sources.backend.rows();
    if (!rows.ok) {
      skip(report, rows.reason);
      return;
    }
    const { objects } = ctx.sources;
    if (!(await objects.hasBucket(ctx.bucket))) {
      skip(report, `no bucket ${ctx.bucket} in ${objects.root}: the backend keeps its objects elsewhere`);
      return;
    }
    const listing = await objects.bucket(ctx.bucket);
    let store: BackendStore | undefined;
    for (const object of listing.objects.values()) {
      if (!object.key.startsWith(DEVICES_PREFIX)) continue;
      count(report, 'objects');
      const parsed = parseObjectKey(object.key);
      if (parsed.kind === 'other') {
        count(report, 'unrecognized');
        addFinding(report, {
          severity: 'note',
          kind: 'unrecognized-key',
          bucket: object.bucket,
          key: object.key,
          message: `${object.key} is under devices/ but is not a key the backend writes`,
        });
        continue;
      }
      if (parsed.kind === 'thumbnail') {
        if (!rows.value.byId.has(parsed.uploadId)) {
          count(report, 'thumbnailsWithoutUpload');
          addFinding(report, {
            severity: 'note',
            kind: 'thumbnail-without-upload',
            uploadId: parsed.uploadId,
            bucket: object.bucket,
            key: object.key,
            message: `thumbnail ${object.key} belongs to no upload row`,
          });
        }
        continue;
      }
      if (rows.value.byObject.has(objectId(object.bucket, object.key))) continue;
      const other = rows.value.byId.get(parsed.uploadId);
      if (other !== undefined) {
        count(report, 'mismatched');
        addFinding(report, {
          severity: 'problem',
          kind: 'upload-key-mismatch',
          uploadId: parsed.uploadId,
          bucket: object.bucket,
          key: object.key,
          message: `${object.key}: upload ${parsed.uploadId} exists but names ${other.bucket}/${other.key}`,
          ...(ctx.repair
            ? { repaired: false, repair: 'not repaired: the row exists; check it by hand' }
            : {}),
        });
        continue;
      }
      count(report, 'withoutRow');
      const finding = addFinding(report, {
        severity: 'problem',
        kind: 'object-without-row',
        uploadId: parsed.uploadId,
        bucket: object.bucket,
        key: object.key,
        message: `${object.key} (${object.size} bytes) has no upload row`,
      });
      if (!ctx.repair) continue;
      store ??= await ctx.sources.backend.writable(ctx.now());
      try {
        finding.repair = await rebuildRow(ctx, store, object, parsed.deviceId, parsed.uploadId);
        finding.repaired = true;
        count(report, 'rebuilt');
      } catch (err) {
        finding.repaired = false;
        finding.repair = `not repaired: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    const c = report.counts;
    report.summary =
      `${c.objects ?? 0} objects under ${DEVICES_PREFIX} in ${ctx.bucket}: ${c.withoutRow ?? 0} without an upload row` +
      (ctx.repair ? ` (${c.rebuilt ?? 0} rebuilt)` : '') +
      (c.thumbnailsWithoutUpload ? `, ${c.thumbnailsWithoutUpload} thumbnails without their upload` : '') +
      (c.unrecognized ? `, ${c.unrecognized} other keys` : '');
  },
};

async function rebuildRow(
  ctx: FsckContext,
  store: BackendStore,
  object: CatalogObject,
  deviceId: string,
  uploadId: string,
): Promise<string> {
  const data = await ctx.sources.dataOf(object);
  if (!data.ok) throw new Error(`the object is damaged: ${data.reason}`);
  const at = Number.isFinite(object.lastModified) ? object.lastModified : ctx.now();
  const done: string[] = [];
  if ((await store.findDevice(deviceId)) === undefined) {
    await store.createDevice({ deviceId, certificateId: undefined }, at);
    done.push(`device ${deviceId} registered again (no certificate id)`);
  }
  const owner = await store.findDeviceOwner(deviceId);
  await store.createUpload({
    uploadId,
    deviceId,
    userId: owner?.userId,
    requestedBy: 'app',
    bucket: object.bucket,
    key: object.key,
    contentType: object.contentType === '' ? 'application/octet-stream' : object.contentType,
    maxSize: object.size,
    status: 'done',
    size: object.size,
    sha256: data.sha256,
    declaredSha256: undefined,
    url: undefined,
    capturedAt: undefined,
    createdAt: at,
    expiresAt: at,
    completedAt: at,
    rejectedReason: undefined,
    deletedAt: undefined,
  });
  done.unshift(
    `row rebuilt: done, ${object.size} bytes, SHA-256 ${data.sha256}, owner ${owner?.userId ?? 'none'}`,
  );
  return done.join('; ');
}
