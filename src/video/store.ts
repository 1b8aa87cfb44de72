/**
 * The video catalogue: Kinesis Video streams (name, ARN, device, media type, KMS key, retention,
 * status, version, tags) and, through fragments.ts, their fragments, in the SQLite database of db.ts.
 * Streams are ACTIVE as soon as CreateStream returns (real KVS passes through CREATING; a client that
 * waits for ACTIVE sees it at once). DeleteStream removes the row, its tags and fragments, and the
 * stream's media directory. Domain failures are thrown as the KVS wire errors (errors.ts).
 * Every mutating call commits before it returns.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, systemRandom, type Clock, type RandomBytes } from '../util/clock.js';
import { openVideoDb, type Db } from './db.js';
import { KvsError, invalidArgument, streamNotFound } from './errors.js';
import {
  FragmentCatalogue,
  type AddFragmentInput,
  type AddedFragment,
  type Fragment,
  type FragmentPage,
  type ListFragmentsQuery,
} from './fragments.js';
import { MAX_RETENTION_HOURS, MAX_TAGS_PER_STREAM } from './rules.js';

export type {
  AddFragmentInput,
  AddedFragment,
  Fragment,
  FragmentPage,
  ListFragmentsQuery,
} from './fragments.js';

export type StreamStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';

export interface StreamInfo {
  name: string;
  arn: string;
  deviceName?: string;
  mediaType?: string;
  kmsKeyId: string;
  dataRetentionHours: number;
  status: StreamStatus;
  version: string;
  creationTime: Date;
}

/** A stream named by StreamName or StreamARN (at least one; both must then agree). */
export interface StreamRef {
  name?: string | undefined;
  arn?: string | undefined;
}

export interface CreateStreamInput {
  name: string;
  deviceName?: string | undefined;
  mediaType?: string | undefined;
  kmsKeyId?: string | undefined;
  dataRetentionHours: number;
  tags?: Record<string, string> | undefined;
}

export interface VideoStoreOptions {
  /** SQLite file (created with its directory when missing). */
  path: string;
  /** Root of the fragments' media files: `<dataDir>/video`. */
  videoDir: string;
  region: string;
  accountId: string;
  partition?: 'aws' | 'aws-cn';
  maxStreams: number;
  clock?: Clock;
  random?: RandomBytes;
}

interface StreamRow {
  id: number;
  name: string;
  arn: string;
  device_name: string | null;
  media_type: string | null;
  kms_key_id: string;
  retention_hours: number;
  status: StreamStatus;
  version: string;
  created_at: number;
}

const VERSION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class VideoStore {
  readonly region: string;
  readonly accountId: string;
  readonly partition: 'aws' | 'aws-cn';
  readonly videoDir: string;
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #random: RandomBytes;
  readonly #maxStreams: number;
  readonly #fragments: FragmentCatalogue;

  constructor(options: VideoStoreOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    this.partition = options.partition ?? 'aws';
    this.videoDir = options.videoDir;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#maxStreams = options.maxStreams;
    this.#db = openVideoDb(options.path);
    this.#fragments = new FragmentCatalogue(this.#db, this.#clock);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  createStream(input: CreateStreamInput): StreamInfo {
    checkRetention(input.dataRetentionHours);
    const tags = Object.entries(input.tags ?? {});
    if (tags.length > MAX_TAGS_PER_STREAM) throw tooManyTags();
    const now = this.#clock.now().getTime();
    const arn = `arn:${this.partition}:kinesisvideo:${this.region}:${this.accountId}:stream/${input.name}/${now}`;
    const kmsKeyId =
      input.kmsKeyId ?? `arn:${this.partition}:kms:${this.region}:${this.accountId}:alias/aws/kinesisvideo`;
    return this.#db.transaction(() => {
      if (this.#db.prepare('SELECT 1 FROM streams WHERE name = ?').get(input.name) !== undefined) {
        throw new KvsError('ResourceInUseException', `The stream ${input.name} already exists.`);
      }
      const count = (this.#db.prepare('SELECT count(*) AS n FROM streams').get() as { n: number }).n;
      if (count >= this.#maxStreams) {
        throw new KvsError(
          'AccountStreamLimitExceededException',
          `The number of streams has reached the limit of ${this.#maxStreams}.`,
        );
      }
      const { lastInsertRowid } = this.#db
        .prepare(
          `INSERT INTO streams (name, arn, device_name, media_type, kms_key_id, retention_hours, status, version, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'ACTIVE', ?, ?)`,
        )
        .run(
          input.name,
          arn,
          input.deviceName ?? null,
          input.mediaType ?? null,
          kmsKeyId,
          input.dataRetentionHours,
          this.#newVersion(),
          now,
        );
      const insertTag = this.#db.prepare('INSERT INTO tags (stream_id, key, value) VALUES (?, ?, ?)');
      for (const [key, value] of tags) insertTag.run(lastInsertRowid, key, value);
      return toInfo(this.#row({ name: input.name }));
    })();
  }

  describeStream(ref: StreamRef): StreamInfo {
    return toInfo(this.#row(ref));
  }

  /** Streams by name, after `after` (exclusive), optionally only names starting with `prefix`. */
  listStreams(query: { limit: number; after?: string; prefix?: string }): {
    streams: StreamInfo[];
    more: boolean;
  } {
    const clauses: string[] = [];
    const params: (string | number)[] = [];
    if (query.after !== undefined) {
      clauses.push('name > ?');
      params.push(query.after);
    }
    if (query.prefix !== undefined) {
      // substr comparison, not LIKE: names may contain '_' (a LIKE wildcard) and LIKE ignores case.
      clauses.push('substr(name, 1, ?) = ?');
      params.push(query.prefix.length, query.prefix);
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const rows = this.#db
      .prepare(`SELECT * FROM streams ${where} ORDER BY name LIMIT ?`)
      .all(...params, query.limit + 1) as StreamRow[];
    return { streams: rows.slice(0, query.limit).map(toInfo), more: rows.length > query.limit };
  }

  deleteStream(ref: StreamRef, currentVersion?: string): void {
    const row = this.#db.transaction(() => {
      const found = this.#row(ref);
      this.#checkVersion(found, currentVersion);
      this.#db.prepare('DELETE FROM streams WHERE id = ?').run(found.id);
      return found;
    })();
    rmSync(this.mediaDir(toInfo(row)), { recursive: true, force: true });
  }

  updateStream(
    ref: StreamRef,
    currentVersion: string,
    changes: { deviceName?: string | undefined; mediaType?: string | undefined },
  ): void {
    this.#db.transaction(() => {
      const row = this.#row(ref);
      this.#checkVersion(row, currentVersion);
      this.#db
        .prepare('UPDATE streams SET device_name = ?, media_type = ?, version = ? WHERE id = ?')
        .run(
          changes.deviceName ?? row.device_name,
          changes.mediaType ?? row.media_type,
          this.#newVersion(),
          row.id,
        );
    })();
  }

  /** Adds `changeHours` (negative to decrease) to the retention; the result must stay in 0..87600. */
  updateDataRetention(ref: StreamRef, currentVersion: string, changeHours: number): void {
    this.#db.transaction(() => {
      const row = this.#row(ref);
      this.#checkVersion(row, currentVersion);
      const hours = row.retention_hours + changeHours;
      if (hours < 0 || hours > MAX_RETENTION_HOURS) {
        throw invalidArgument(
          `The data retention would become ${hours} hours; it must be between 0 and ${MAX_RETENTION_HOURS}.`,
        );
      }
      this.#db
        .prepare('UPDATE streams SET retention_hours = ?, version = ? WHERE id = ?')
        .run(hours, this.#newVersion(), row.id);
    })();
  }

  /** Adds or replaces tags; more than 50 on the stream afterwards is TagsPerResourceExceededLimit. */
  tagStream(ref: StreamRef, tags: Record<string, string>): void {
    this.#db.transaction(() => {
      const row = this.#row(ref);
      const merged = { ...this.#tags(row.id), ...tags };
      if (Object.keys(merged).length > MAX_TAGS_PER_STREAM) throw tooManyTags();
      const upsert = this.#db.prepare(
        'INSERT INTO tags (stream_id, key, value) VALUES (?, ?, ?) ON CONFLICT (stream_id, key) DO UPDATE SET value = excluded.value',
      );
      for (const [key, value] of Object.entries(tags)) upsert.run(row.id, key, value);
    })();
  }

  /** Removes the named tags; keys the stream does not have are ignored. */
  untagStream(ref: StreamRef, keys: readonly string[]): void {
    this.#db.transaction(() => {
      const row = this.#row(ref);
      const remove = this.#db.prepare('DELETE FROM tags WHERE stream_id = ? AND key = ?');
      for (const key of keys) remove.run(row.id, key);
    })();
  }

  listTags(ref: StreamRef): Record<string, string> {
    return this.#tags(this.#row(ref).id);
  }

  /** Where a stream's fragment files live: `<videoDir>/<name>/<creation ms>` (a recreated stream starts empty). */
  mediaDir(stream: Pick<StreamInfo, 'name' | 'creationTime'>): string {
    return join(this.videoDir, stream.name, String(stream.creationTime.getTime()));
  }

  /**
   * Records a fragment whose media file the caller has written under the stream's mediaDir (`file` is
   * relative to it). A stream with retention 0 keeps no fragments: the fragment still gets its number
   * (for the producer's acknowledgement) but nothing is recorded, and `persisted` is false; the caller
   * may then drop the file.
   */
  reserveFragmentNumber(): string {
    return this.#fragments.reserveNumber();
  }

  addFragment(input: AddFragmentInput): AddedFragment {
    const row = this.#row({ name: input.stream });
    return this.#fragments.add(row.id, row.retention_hours > 0, input);
  }

  /** Fragments in fragment-number order, optionally in a timestamp range; `next` pages on. */
  listFragments(query: ListFragmentsQuery): FragmentPage {
    const row = this.#row({ name: query.stream });
    return this.#fragments.list(row.id, query, this.mediaDir(toInfo(row)));
  }

  /** The stream's newest `limit` fragments, oldest first (an HLS LIVE window). */
  latestFragments(stream: string, limit: number): Fragment[] {
    const row = this.#row({ name: stream });
    return this.#fragments.latest(row.id, row.name, limit, this.mediaDir(toInfo(row)));
  }

  /** How many of the stream's fragments come before `number`. */
  fragmentPosition(stream: string, number: string): number {
    return this.#fragments.position(this.#row({ name: stream }).id, number);
  }

  fragment(stream: string, number: string): Fragment | undefined {
    const row = this.#row({ name: stream });
    return this.#fragments.get(row.id, number, this.mediaDir(toInfo(row)));
  }

  /**
   * Drops fragments that arrived longer ago than their stream's retention, with their files; returns
   * how many. The caller runs it periodically (the platform, later).
   */
  purgeExpired(): number {
    const removed = this.#fragments.purgeExpired();
    for (const f of removed) {
      rmSync(join(this.videoDir, f.streamName, String(f.streamCreatedAt), f.path), { force: true });
    }
    return removed.length;
  }

  #row(ref: StreamRef): StreamRow {
    let row: StreamRow | undefined;
    if (ref.arn !== undefined) {
      row = this.#db.prepare('SELECT * FROM streams WHERE arn = ?').get(ref.arn) as StreamRow | undefined;
      if (row !== undefined && ref.name !== undefined && row.name !== ref.name) {
        throw invalidArgument('StreamName and StreamARN name different streams.');
      }
    } else if (ref.name !== undefined) {
      row = this.#db.prepare('SELECT * FROM streams WHERE name = ?').get(ref.name) as StreamRow | undefined;
    } else {
      throw invalidArgument('Either StreamName or StreamARN must be given.');
    }
    if (row === undefined) throw streamNotFound();
    return row;
  }

  #tags(streamId: number): Record<string, string> {
    const rows = this.#db
      .prepare('SELECT key, value FROM tags WHERE stream_id = ? ORDER BY key')
      .all(streamId) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  #checkVersion(row: StreamRow, currentVersion: string | undefined): void {
    if (currentVersion !== undefined && currentVersion !== row.version) {
      throw new KvsError(
        'VersionMismatchException',
        `The stream version ${currentVersion} is not the current version.`,
      );
    }
  }

  #newVersion(): string {
    return Array.from(this.#random(20), (b) => VERSION_ALPHABET[b % VERSION_ALPHABET.length]).join('');
  }
}

function toInfo(row: StreamRow): StreamInfo {
  return {
    name: row.name,
    arn: row.arn,
    ...(row.device_name !== null ? { deviceName: row.device_name } : {}),
    ...(row.media_type !== null ? { mediaType: row.media_type } : {}),
    kmsKeyId: row.kms_key_id,
    dataRetentionHours: row.retention_hours,
    status: row.status,
    version: row.version,
    creationTime: new Date(row.created_at),
  };
}

function checkRetention(hours: number): void {
  if (!Number.isInteger(hours) || hours < 0 || hours > MAX_RETENTION_HOURS) {
    throw invalidArgument(`DataRetentionInHours must be an integer from 0 to ${MAX_RETENTION_HOURS}.`);
  }
}

function tooManyTags(): KvsError {
  return new KvsError(
    'TagsPerResourceExceededLimitException',
    `A stream can have at most ${MAX_TAGS_PER_STREAM} tags.`,
  );
}
