/**
 * The camera's outbox of upload notifications: a notification is written to disk (temp file, fsync,
 * rename, directory fsync) before the camera tries to publish it, and removed only after the endpoint
 * acknowledged it (PUBACK, QoS 1). A network drop between the PUT and the publish, or a restart of the
 * agent, loses nothing: the next drain publishes what is left, oldest first. Duplicates are possible
 * (a PUBACK lost in the drop) and harmless: the backend reconciles idempotently by upload id.
 * Bounded; a file that is not a valid notification is moved to quarantine/ and logged, never fatal.
 */
import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { uploadNotificationSchema, type UploadNotification } from '../contracts/upload-notification.js';
import { CamlinkError } from '../errors/camlink-error.js';
import type { Logger } from '../log/logger.js';
import { PUBLIC_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';

export interface OutboxEntry {
  readonly name: string;
  readonly notification: UploadNotification;
}

const ENTRY = /^(\d{16})-([A-Za-z0-9_-]{1,64})\.json$/;

export class Outbox {
  private seq = 0;

  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
    private readonly maxEntries: number,
  ) {}

  static async open(dir: string, logger: Logger, maxEntries = 10_000): Promise<Outbox> {
    await mkdir(join(dir, 'quarantine'), { recursive: true });
    const outbox = new Outbox(dir, logger, maxEntries);
    const names = await outbox.names();
    const last = names[names.length - 1];
    outbox.seq = last === undefined ? 0 : Number(ENTRY.exec(last)?.[1] ?? 0);
    return outbox;
  }

  /** Durably records a notification; resolves once it is on disk. */
  async add(notification: UploadNotification): Promise<string> {
    const parsed = uploadNotificationSchema.parse(notification);
    const names = await this.names();
    if (names.length >= this.maxEntries) {
      throw new CamlinkError(
        'DEVICE_OUTBOX_FULL',
        `the outbox holds ${names.length} notifications (limit ${this.maxEntries})`,
      );
    }
    const name = `${String(++this.seq).padStart(16, '0')}-${parsed.uploadId}.json`;
    await writeFileAtomic(join(this.dir, name), JSON.stringify(parsed), {
      mode: PUBLIC_FILE_MODE,
      overwrite: false,
    });
    return name;
  }

  /** Pending notifications, oldest first; invalid files are quarantined on the way. */
  async pending(): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    for (const name of await this.names()) {
      const path = join(this.dir, name);
      try {
        const notification = uploadNotificationSchema.parse(JSON.parse(await readFile(path, 'utf8')));
        out.push({ name, notification });
      } catch (err) {
        this.logger.warn(
          { file: name, err: err instanceof Error ? err.message : String(err) },
          'outbox entry quarantined',
        );
        await rename(path, join(this.dir, 'quarantine', name)).catch(() => undefined);
      }
    }
    return out;
  }

  async remove(name: string): Promise<void> {
    await unlink(join(this.dir, name)).catch(() => undefined);
  }

  /**
   * Publishes every pending notification in order with `publish` (which resolves on PUBACK), removing
   * each after its acknowledgement; stops at the first failure (the rest wait for the next drain).
   * Returns how many were published.
   */
  async drain(publish: (n: UploadNotification) => Promise<void>): Promise<number> {
    let published = 0;
    for (const entry of await this.pending()) {
      await publish(entry.notification);
      await this.remove(entry.name);
      published++;
    }
    return published;
  }

  private async names(): Promise<string[]> {
    return (await readdir(this.dir)).filter((n) => ENTRY.test(n)).sort();
  }
}
