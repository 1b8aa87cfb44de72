/**
 * The fragment catalogue: one row per MKV fragment a producer sent (PutMedia), with its producer and
 * server timestamps, duration, size, media file and codec-private reference. Fragment numbers are
 * 47-digit zero-padded decimal strings from a durable counter (KVS fragment numbers are decimal strings
 * of that length): unique across streams, never reused, increasing in arrival order, and their string
 * order is their numeric order. Listing pages in fragment-number order; a range selects on the
 * producer or the server timestamp, both ends inclusive.
 */
import { isAbsolute, join, normalize } from 'node:path';
import type { Clock } from '../util/clock.js';
import type { Db } from './db.js';
import { invalidArgument } from './errors.js';

export const FRAGMENT_NUMBER_DIGITS = 47;
const FRAGMENT_NUMBER = /^[0-9]{47}$/;

export interface AddFragmentInput {
  stream: string;
  producerTimestampMs: number;
  /** Default: the store clock's now. */
  serverTimestampMs?: number;
  durationMs: number;
  sizeBytes: number;
  /** The media file, relative to the stream's mediaDir. */
  file: string;
  /** Where the codec private data (e.g. the avcC) for this fragment is kept, opaque to the store. */
  codecPrivateRef?: string;
  /** A number taken earlier with reserveNumber() (the ingest acknowledges BUFFERING with it). */
  number?: string;
}

export interface AddedFragment {
  number: string;
  serverTimestampMs: number;
  /** False when the stream's retention is 0: the fragment got a number but is not kept. */
  persisted: boolean;
}

export interface Fragment {
  number: string;
  stream: string;
  producerTimestampMs: number;
  serverTimestampMs: number;
  durationMs: number;
  sizeBytes: number;
  /** Absolute path of the media file. */
  file: string;
  codecPrivateRef?: string;
}

export interface ListFragmentsQuery {
  stream: string;
  range?: { selector: 'PRODUCER_TIMESTAMP' | 'SERVER_TIMESTAMP'; startMs: number; endMs: number };
  limit: number;
  /** A fragment number: list only fragments after it (the previous page's `next`). */
  after?: string;
}

export interface FragmentPage {
  fragments: Fragment[];
  /** Present when more fragments match: pass it as `after`. */
  next?: string;
}

export interface PurgedFragment {
  streamName: string;
  streamCreatedAt: number;
  path: string;
}

interface FragmentRow {
  number: string;
  producer_ts: number;
  server_ts: number;
  duration_ms: number;
  size_bytes: number;
  path: string;
  codec_private: string | null;
}

export function formatFragmentNumber(counter: number): string {
  return String(counter).padStart(FRAGMENT_NUMBER_DIGITS, '0');
}

export class FragmentCatalogue {
  readonly #db: Db;
  readonly #clock: Clock;

  constructor(db: Db, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** How many of the stream's fragments come before `number` (a stable HLS media sequence). */
  position(streamId: number, number: string): number {
    const row = this.#db
      .prepare('SELECT COUNT(*) AS n FROM fragments WHERE stream_id = ? AND number < ?')
      .get(streamId, number) as { n: number };
    return row.n;
  }

  /** The stream's newest fragments, oldest first. */
  latest(streamId: number, stream: string, limit: number, mediaDir: string): Fragment[] {
    const rows = this.#db
      .prepare('SELECT * FROM fragments WHERE stream_id = ? ORDER BY number DESC LIMIT ?')
      .all(streamId, limit) as FragmentRow[];
    return rows.reverse().map((r) => toFragment(r, stream, mediaDir));
  }

  /** The next fragment number, unique across streams and never reused. */
  reserveNumber(): string {
    const { value } = this.#db
      .prepare("UPDATE counters SET value = value + 1 WHERE name = 'fragment' RETURNING value")
      .get() as { value: number };
    return formatFragmentNumber(value);
  }

  add(streamId: number, keep: boolean, input: AddFragmentInput): AddedFragment {
    checkFile(input.file);
    for (const [name, value] of [
      ['producerTimestampMs', input.producerTimestampMs],
      ['durationMs', input.durationMs],
      ['sizeBytes', input.sizeBytes],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw invalidArgument(`${name} must be an integer >= 0`);
    }
    const serverTs = input.serverTimestampMs ?? this.#clock.now().getTime();
    if (input.number !== undefined && !FRAGMENT_NUMBER.test(input.number)) {
      throw invalidArgument('number is not a fragment number');
    }
    return this.#db.transaction(() => {
      const number = input.number ?? this.reserveNumber();
      if (keep) {
        this.#db
          .prepare(
            `INSERT INTO fragments (stream_id, number, producer_ts, server_ts, duration_ms, size_bytes, path, codec_private)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            streamId,
            number,
            input.producerTimestampMs,
            serverTs,
            input.durationMs,
            input.sizeBytes,
            input.file,
            input.codecPrivateRef ?? null,
          );
      }
      return { number, serverTimestampMs: serverTs, persisted: keep };
    })();
  }

  list(streamId: number, query: ListFragmentsQuery, mediaDir: string): FragmentPage {
    if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
      throw invalidArgument('limit must be a positive integer');
    }
    const clauses = ['stream_id = ?'];
    const params: (string | number)[] = [streamId];
    if (query.after !== undefined) {
      if (!FRAGMENT_NUMBER.test(query.after)) throw invalidArgument('after is not a fragment number');
      clauses.push('number > ?');
      params.push(query.after);
    }
    if (query.range !== undefined) {
      const column = query.range.selector === 'PRODUCER_TIMESTAMP' ? 'producer_ts' : 'server_ts';
      clauses.push(`${column} >= ? AND ${column} <= ?`);
      params.push(query.range.startMs, query.range.endMs);
    }
    const rows = this.#db
      .prepare(`SELECT * FROM fragments WHERE ${clauses.join(' AND ')} ORDER BY number LIMIT ?`)
      .all(...params, query.limit + 1) as FragmentRow[];
    const fragments = rows.slice(0, query.limit).map((r) => toFragment(r, query.stream, mediaDir));
    const last = fragments[fragments.length - 1];
    return rows.length > query.limit && last !== undefined ? { fragments, next: last.number } : { fragments };
  }

  get(streamId: number, number: string, mediaDir: string): Fragment | undefined {
    const row = this.#db
      .prepare(
        'SELECT f.*, s.name AS stream FROM fragments f JOIN streams s ON s.id = f.stream_id WHERE f.stream_id = ? AND f.number = ?',
      )
      .get(streamId, number) as (FragmentRow & { stream: string }) | undefined;
    return row === undefined ? undefined : toFragment(row, row.stream, mediaDir);
  }

  /** Deletes the rows of fragments older than their stream's retention; returns them for file removal. */
  purgeExpired(): PurgedFragment[] {
    const now = this.#clock.now().getTime();
    return this.#db.transaction(() => {
      const rows = this.#db
        .prepare(
          `SELECT f.id, f.path, s.name, s.created_at FROM fragments f JOIN streams s ON s.id = f.stream_id
           WHERE f.server_ts < ? - s.retention_hours * 3600000`,
        )
        .all(now) as { id: number; path: string; name: string; created_at: number }[];
      const remove = this.#db.prepare('DELETE FROM fragments WHERE id = ?');
      for (const row of rows) remove.run(row.id);
      return rows.map((r) => ({ streamName: r.name, streamCreatedAt: r.created_at, path: r.path }));
    })();
  }
}

function checkFile(file: string): void {
  const normal = normalize(file);
  if (file.length === 0 || isAbsolute(file) || normal.startsWith('..') || normal !== file) {
    throw invalidArgument(
      `fragment file ${file} must be a plain path relative to the stream's media directory`,
    );
  }
}

function toFragment(row: FragmentRow, stream: string, mediaDir: string): Fragment {
  return {
    number: row.number,
    stream,
    producerTimestampMs: row.producer_ts,
    serverTimestampMs: row.server_ts,
    durationMs: row.duration_ms,
    sizeBytes: row.size_bytes,
    file: join(mediaDir, row.path),
    ...(row.codec_private !== null ? { codecPrivateRef: row.codec_private } : {}),
  };
}
