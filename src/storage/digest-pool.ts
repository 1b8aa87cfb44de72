/**
 * Upload digests off the event loop: a shared, unref'd worker thread computes MD5 (the ETag), CRC32
 * and the SHA-1 / SHA-256 checksums while the main thread moves bytes from the socket to the disk, so
 * hashing uses another core. CRC32C (rare; table-driven JS, checksums.ts) stays on the main thread.
 * Chunks are copied to the worker (structured clone); at most MAX_IN_FLIGHT bytes may be unacknowledged,
 * after which update() returns a promise the caller awaits, so a slow hasher never buffers an upload.
 *
 * The worker is plain JavaScript evaluated from a string: worker threads do not inherit the tsx loader.
 */
import { Worker } from 'node:worker_threads';
import { crc32c, type ChecksumAlgorithm, type Checksums } from './checksums.js';

type DigestRequest =
  | { type: 'start'; id: number; wanted: string[] }
  | { type: 'data'; id: number; chunks: Uint8Array[] }
  | { type: 'end'; id: number }
  | { type: 'abort'; id: number };

type DigestReply =
  | { type: 'ack'; id: number; bytes: number }
  | {
      type: 'done';
      id: number;
      md5: Uint8Array;
      checksums: Record<string, string>;
      sha256Hex: string | undefined;
    }
  | { type: 'error'; id: number; message: string };

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { crc32 } = require('node:zlib');
const jobs = new Map();
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return b.toString('base64'); };
parentPort.on('message', (m) => {
  try {
    if (m.type === 'start') {
      jobs.set(m.id, { md5: createHash('md5'), crc32: 0,
        sha1: m.wanted.includes('sha1') ? createHash('sha1') : undefined,
        sha256: m.wanted.includes('sha256') ? createHash('sha256') : undefined });
    } else if (m.type === 'data') {
      const j = jobs.get(m.id);
      let bytes = 0;
      for (const c of m.chunks) {
        bytes += c.length;
        if (!j) continue;
        j.md5.update(c); j.crc32 = crc32(c, j.crc32);
        if (j.sha1) j.sha1.update(c);
        if (j.sha256) j.sha256.update(c);
      }
      parentPort.postMessage({ type: 'ack', id: m.id, bytes });
    } else if (m.type === 'end') {
      const j = jobs.get(m.id);
      jobs.delete(m.id);
      if (!j) throw new Error('unknown digest id ' + m.id);
      const checksums = { crc32: u32(j.crc32) };
      if (j.sha1) checksums.sha1 = j.sha1.digest('base64');
      let sha256Hex;
      if (j.sha256) { const d = j.sha256.digest(); checksums.sha256 = d.toString('base64'); sha256Hex = d.toString('hex'); }
      parentPort.postMessage({ type: 'done', id: m.id, md5: j.md5.digest(), checksums, sha256Hex });
    } else {
      jobs.delete(m.id);
    }
  } catch (err) {
    parentPort.postMessage({ type: 'error', id: m.id, message: String(err && err.message || err) });
  }
});
`;

const MAX_IN_FLIGHT = 8 * 1024 * 1024;

export interface DigestResult {
  md5: Buffer;
  checksums: Checksums;
  sha256Hex: string | undefined;
}

interface Job {
  inFlight: number;
  /** Senders waiting for the bytes in flight to fall under the limit. */
  drained: (() => void)[];
  done: ((result: DigestResult) => void) | undefined;
  failed: ((err: Error) => void) | undefined;
  error: Error | undefined;
}

let shared: { worker: Worker; jobs: Map<number, Job>; nextId: number } | undefined;

function pool(): NonNullable<typeof shared> {
  if (shared) return shared;
  // execArgv [] keeps the parent's --import tsx out of the worker: its source is plain JavaScript.
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  const jobs = new Map<number, Job>();
  const state = { worker, jobs, nextId: 1 };
  worker.on('message', (reply: DigestReply) => {
    const job = jobs.get(reply.id);
    if (job === undefined) return;
    if (reply.type === 'ack') {
      job.inFlight -= reply.bytes;
      if (job.inFlight <= MAX_IN_FLIGHT) {
        for (const drained of job.drained.splice(0)) drained();
      }
    } else if (reply.type === 'done') {
      release(state, reply.id);
      job.done?.({ md5: Buffer.from(reply.md5), checksums: reply.checksums, sha256Hex: reply.sha256Hex });
    } else {
      release(state, reply.id);
      job.error = new Error(reply.message);
      job.failed?.(job.error);
      for (const drained of job.drained.splice(0)) drained();
    }
  });
  const failAll = (err: Error): void => {
    for (const job of jobs.values()) {
      job.error = err;
      job.failed?.(err);
      for (const drained of job.drained.splice(0)) drained();
    }
    jobs.clear();
    shared = undefined;
  };
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the digest worker exited with code ${code}`)));
  // Idle, the worker must not keep the process alive; while a job runs it must (ref in the constructor, unref in release()).
  // After the listeners: attaching a 'message' listener would ref the worker again.
  worker.unref();
  shared = state;
  return state;
}

function release(state: NonNullable<typeof shared>, id: number): void {
  state.jobs.delete(id);
  if (state.jobs.size === 0) state.worker.unref();
}

export class WorkerDigests {
  readonly #id: number;
  readonly #job: Job = {
    inFlight: 0,
    drained: [],
    done: undefined,
    failed: undefined,
    error: undefined,
  };
  #crc32c: number | undefined;
  size = 0;

  constructor(wanted: ReadonlySet<ChecksumAlgorithm>) {
    if (wanted.has('crc32c')) this.#crc32c = 0;
    const state = pool();
    this.#id = state.nextId++;
    state.jobs.set(this.#id, this.#job);
    if (state.jobs.size === 1) state.worker.ref();
    this.#post({ type: 'start', id: this.#id, wanted: [...wanted] });
  }

  /** Sends chunks to the worker; resolves at once unless too many bytes are unacknowledged. */
  update(chunks: readonly Uint8Array[]): Promise<void> | undefined {
    if (this.#job.error) return Promise.reject(this.#job.error);
    let bytes = 0;
    for (const chunk of chunks) {
      bytes += chunk.length;
      if (this.#crc32c !== undefined) this.#crc32c = crc32c(chunk, this.#crc32c);
    }
    this.size += bytes;
    this.#job.inFlight += bytes;
    this.#post({ type: 'data', id: this.#id, chunks: [...chunks] });
    if (this.#job.inFlight <= MAX_IN_FLIGHT) return undefined;
    return new Promise<void>((resolve) => this.#job.drained.push(resolve));
  }

  finish(): Promise<DigestResult> {
    if (this.#job.error) return Promise.reject(this.#job.error);
    return new Promise<DigestResult>((resolve, reject) => {
      const crc = this.#crc32c;
      this.#job.done =
        crc === undefined
          ? resolve
          : (result) => {
              const buf = Buffer.alloc(4);
              buf.writeUInt32BE(crc);
              resolve({ ...result, checksums: { ...result.checksums, crc32c: buf.toString('base64') } });
            };
      this.#job.failed = reject;
      this.#post({ type: 'end', id: this.#id });
    });
  }

  abort(): void {
    if (shared) release(shared, this.#id);
    this.#post({ type: 'abort', id: this.#id });
  }

  #post(message: DigestRequest): void {
    shared?.worker.postMessage(message);
  }
}
