/**
 * Emptying and deleting the media bucket: AbortMultipartUpload for each upload in progress, DeleteObject
 * for each object version and delete marker (ListObjectVersions; a store without it is listed with
 * ListObjectsV2), then DeleteBucket. The plan counts; the steps list again and delete page by page (one
 * page in memory; what was uploaded after planning goes too). A failed deletion fails its step after
 * the rest of the bucket was tried, and DeleteBucket then waits for a rerun.
 */
import { hasErrorName, toCamlinkError } from '../service-error.js';
import { listed } from './listed.js';
import type { MultipartUpload, ObjectVersion, Page, S3Port } from './ports.js';
import type { NewStep } from './step.js';

type Lister<T> = (token?: string) => Promise<Page<T>>;

export async function planBucket(
  add: (step: NewStep) => number,
  notes: string[],
  s3: S3Port,
  bucket: string,
  progress: (line: string) => void,
): Promise<void> {
  if (!(await listed('HeadBucket', () => s3.bucketExists(bucket)))) {
    notes.push(`bucket ${bucket} does not exist`);
    return;
  }
  progress(`listing bucket ${bucket}`);
  let versioned = true;
  let objects: Lister<ObjectVersion> = (m) => s3.listObjectVersions(bucket, m);
  let objectCount: number;
  try {
    objectCount = await count(objects);
  } catch (err) {
    if (!hasErrorName(err, 'NotImplemented')) throw toCamlinkError('ListObjectVersions', err);
    versioned = false;
    notes.push(
      `bucket ${bucket}: the store has no ListObjectVersions; its objects are listed with ListObjectsV2`,
    );
    objects = (t) => s3.listObjects(bucket, t);
    objectCount = await listed('ListObjectsV2', () => count(objects));
  }
  const uploads: Lister<MultipartUpload> = (m) => s3.listMultipartUploads(bucket, m);
  const uploadCount = await listed('ListMultipartUploads', () => count(uploads));
  const emptied: number[] = [];
  if (uploadCount > 0) {
    emptied.push(
      add({
        operation: 'AbortMultipartUpload',
        resource: `${uploadCount} multipart upload(s) in bucket ${bucket}`,
        run: (p) =>
          forEachPage(uploads, (u) => s3.abortMultipartUpload(bucket, u), `aborted in ${bucket}`, p),
      }),
    );
  }
  if (objectCount > 0) {
    emptied.push(
      add({
        operation: 'DeleteObject',
        resource: `${objectCount} object${versioned ? ' version' : ''}(s) in bucket ${bucket}`,
        run: (p) => forEachPage(objects, (o) => s3.deleteObject(bucket, o), `deleted from ${bucket}`, p),
      }),
    );
  }
  add({
    operation: 'DeleteBucket',
    resource: `bucket ${bucket}`,
    dependsOn: emptied,
    doneOn: ['NoSuchBucket'],
    run: () => s3.deleteBucket(bucket),
  });
}

async function count<T>(list: Lister<T>): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const page = await list(token);
    n += page.items.length;
    token = page.next;
  } while (token !== undefined);
  return n;
}

/** Runs `act` on every listed item, page by page, reporting every 100; throws the first failure at the end. */
async function forEachPage<T>(
  list: Lister<T>,
  act: (item: T) => Promise<void>,
  what: string,
  progress: (line: string) => void,
): Promise<void> {
  let done = 0;
  let failed = 0;
  let first: unknown;
  let token: string | undefined;
  do {
    const page = await list(token);
    for (const item of page.items) {
      try {
        await act(item);
      } catch (err) {
        if (failed++ === 0) first = err;
      }
      if (++done % 100 === 0) progress(`${done} ${what}`);
    }
    token = page.next;
  } while (token !== undefined);
  progress(`${done} ${what}${failed > 0 ? `, ${failed} failed` : ''}`);
  if (failed > 0) {
    const err = first instanceof Error ? first : new Error(String(first));
    err.message = `${failed} of ${done} failed, the first: ${err.message}`;
    throw err;
  }
}
