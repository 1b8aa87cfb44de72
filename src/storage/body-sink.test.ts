/**
 * Short writes (regression): a file that takes fewer bytes than asked, as a disk filling up mid-call
 * does, must neither lose the rest nor end in a truncated object stored under the full size.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { receiveBody, writeAll } from './body-sink.js';
import { DiskStore, type TempFile } from './disk-layout.js';

/** A writev that takes at most `max` bytes per call (0: none at all, a full disk). */
function shortWriter(max: number) {
  const written: Buffer[] = [];
  return {
    written,
    writev: (buffers: Buffer[]) => {
      const took = Buffer.concat(buffers).subarray(0, max);
      written.push(took);
      return Promise.resolve({ bytesWritten: took.length });
    },
  };
}

test('writeAll goes on after short writes until every byte is written, in order', async () => {
  const parts = [randomBytes(10), randomBytes(0), randomBytes(25), randomBytes(7)];
  const file = shortWriter(6);
  await writeAll(file, parts);
  assert.deepEqual(Buffer.concat(file.written), Buffer.concat(parts));
});

test('writeAll reports a write that takes nothing as ENOSPC instead of looping', async () => {
  await assert.rejects(writeAll(shortWriter(0), [randomBytes(5)]), { code: 'ENOSPC' });
});

test('a received body is whole on disk even when the file takes a few bytes per write', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'camlink-sink-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  class ShortWritingStore extends DiskStore {
    override async createTempFile(bucket: string): Promise<TempFile> {
      const temp = await super.createTempFile(bucket);
      const { handle } = temp;
      // At most 1,000 bytes per writev, like a device that keeps returning short counts.
      const writev = handle.writev.bind(handle);
      handle.writev = ((buffers: NodeJS.ArrayBufferView[]) => {
        const all = Buffer.concat(buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
        return writev([all.subarray(0, 1000)]);
      }) as typeof handle.writev;
      return temp;
    }
  }
  const store = new ShortWritingStore(root);
  await store.init();
  await store.createBucket('b', new Date());
  const body = randomBytes(70_000);
  const received = await receiveBody(
    store,
    'b',
    Readable.from([body.subarray(0, 30_000), body.subarray(30_000)]),
    {
      decoder: undefined,
      maxBytes: 1_000_000,
      wanted: new Set(),
    },
  );
  assert.equal(received.size, body.length);
  assert.deepEqual(await readFile(received.tempPath), body);
});
