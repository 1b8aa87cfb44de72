/**
 * A lost upload-URL request costs a second, not the timeout (issue 24, finding 6). The camera's
 * requester (src/device/upload-url-request.ts) and the backend's responder
 * (src/backend/mqtt/upload-url-responder.ts) run for real, joined by an in-memory wire the test
 * controls: it drops requests (the backend is not subscribed: restarting, reconnecting) or answers (a
 * lost delivery), and it moves the requester's timers itself, so nothing waits on real time.
 *
 * What it shows:
 * - an unanswered request is published again with the same clientToken after 1 s, 2 s, 4 s, 8 s, 8 s...
 *   until the timeout, and at once when the session reconnects;
 * - the backend issues one upload per clientToken: a repeat after the answer gets the same answer again,
 *   a repeat while the first is being handled is answered once, by the first; the same token with
 *   another request is refused with CONFLICT.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { IssueUploadInput, IssuedUpload } from '../../src/backend/uploads/issue.js';
import { startUploadUrlResponder } from '../../src/backend/mqtt/upload-url-responder.js';
import type { SessionEvents, Timers } from '../../src/device/session.js';
import { UploadUrlRequester } from '../../src/device/upload-url-request.js';
import { CamlinkError } from '../../src/errors/camlink-error.js';
import { createLogger } from '../../src/log/logger.js';

const DEVICE = 'cam-retry-1';
const logger = createLogger({ level: 'silent' });

/** Timers on a virtual clock that only the test moves. */
class ManualTimers implements Timers {
  now = 0;
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): number {
    this.seq++;
    this.due.set(this.seq, { at: this.now + ms, fn });
    return this.seq;
  }
  clear(handle: unknown): void {
    this.due.delete(handle as number);
  }
  /** Moves the clock forward by `ms`, firing what falls due in order and letting promises settle. */
  async advance(ms: number): Promise<void> {
    await settle(); // what was started before runs up to its first timer
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.due)
        if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.due.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
      await settle();
    }
    this.now = end;
    await settle();
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The camera's side of the wire: what the requester needs of a DeviceSession. */
class FakeDeviceSession extends EventEmitter<SessionEvents> {
  connected = true;
  readonly published: { at: number; clientToken: string; payload: string }[] = [];
  constructor(
    private readonly wire: Wire,
    private readonly timers: ManualTimers,
  ) {
    super();
  }
  subscribe(): Promise<void> {
    return Promise.resolve();
  }
  publish(topic: string, payload: string | Buffer): Promise<void> {
    if (!this.connected) return Promise.reject(new CamlinkError('DEVICE_OFFLINE', 'not connected'));
    const text = payload.toString();
    this.published.push({ at: this.timers.now, clientToken: tokenOf(text), payload: text });
    if (this.wire.requests) this.wire.backend?.(topic, Buffer.from(text));
    return Promise.resolve();
  }
}

interface Wire {
  /** Requests reach the backend (it is subscribed). */
  requests: boolean;
  /** Answers reach the camera. */
  answers: boolean;
  backend: ((topic: string, payload: Buffer) => void) | undefined;
}

function tokenOf(json: string): string {
  return (JSON.parse(json) as { clientToken: string }).clientToken;
}

async function world(options: { slowIssue?: boolean } = {}) {
  const timers = new ManualTimers();
  const wire: Wire = { requests: true, answers: true, backend: undefined };
  const session = new FakeDeviceSession(wire, timers);
  const answers: string[] = [];
  const issued: IssueUploadInput[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const issue = async (input: IssueUploadInput): Promise<IssuedUpload> => {
    issued.push(input);
    if (options.slowIssue) await gate;
    const uploadId = `up-${issued.length}`;
    const key = `devices/${input.deviceId}/${uploadId}.jpg`;
    return {
      upload: {
        uploadId,
        deviceId: input.deviceId,
        userId: undefined,
        requestedBy: input.requestedBy,
        bucket: 'camlink-media',
        key,
        contentType: input.contentType,
        maxSize: 1024,
        status: 'pending',
        size: undefined,
        sha256: undefined,
        declaredSha256: undefined,
        url: undefined,
        capturedAt: undefined,
        createdAt: timers.now,
        expiresAt: timers.now + 900_000,
        completedAt: undefined,
        rejectedReason: undefined,
        deletedAt: undefined,
      },
      put: {
        url: `https://store.example/camlink-media/${key}?X-Amz-Signature=x`,
        method: 'PUT',
        headers: { 'content-type': input.contentType },
        expiresAt: new Date(timers.now + 900_000),
      },
    };
  };
  const responder = await startUploadUrlResponder({
    session: {
      subscribe: (_filter, onMessage) => {
        wire.backend = onMessage;
        return Promise.resolve();
      },
      publish: (topic, payload) => {
        answers.push(payload);
        if (wire.answers) session.emit('message', topic, Buffer.from(payload));
        return Promise.resolve();
      },
    },
    store: {
      findDevice: (deviceId) => Promise.resolve({ deviceId, certificateId: undefined, createdAt: 0 }),
      findDeviceOwner: () => Promise.resolve(undefined),
    },
    objects: { objectUrl: (bucket, key) => `https://store.example/${bucket}/${key}` },
    issue,
    logger,
    clock: { now: () => new Date(timers.now) },
  });
  const requester = new UploadUrlRequester({
    deviceId: DEVICE,
    session,
    timeoutMs: 30_000,
    timers,
    random: (n) => new Uint8Array(n).fill(7),
    logger,
  });
  return { timers, wire, session, answers, issued, release, responder, requester };
}

test('a request the backend never got is republished with the same clientToken until it is answered', async () => {
  const w = await world();
  w.wire.requests = false; // the backend is not subscribed (restarting)
  const asked = w.requester.request({ contentType: 'image/jpeg', size: 1000 });
  await w.timers.advance(3_000);
  // Published at 0, republished after 1 s and 2 s more; the backend heard none of them.
  assert.deepEqual(
    w.session.published.map((p) => p.at),
    [0, 1_000, 3_000],
  );
  assert.equal(w.issued.length, 0);
  w.wire.requests = true; // subscribed again
  await w.timers.advance(4_000); // the next republish is due at 7 s
  const target = await asked;
  assert.equal(target.uploadId, 'up-1');
  const tokens = new Set(w.session.published.map((p) => p.clientToken));
  assert.equal(tokens.size, 1, 'every publish carries the same clientToken');
  assert.equal(new Set(w.session.published.map((p) => p.payload)).size, 1, 'the same request each time');
  assert.equal(w.issued.length, 1, 'one upload issued');
  assert.deepEqual(
    w.session.published.map((p) => p.at),
    [0, 1_000, 3_000, 7_000],
  );
  // Answered: no more publishes.
  await w.timers.advance(60_000);
  assert.equal(w.session.published.length, 4);
});

test('nobody answers: republished after 1, 2, 4, 8, 8 s, then UPLOAD_URL_TIMEOUT at the timeout', async () => {
  const w = await world();
  w.wire.requests = false;
  const asked = w.requester.request({ contentType: 'image/jpeg' });
  const outcome = assert.rejects(asked, { code: 'UPLOAD_URL_TIMEOUT' });
  await w.timers.advance(30_000);
  await outcome;
  assert.deepEqual(
    w.session.published.map((p) => p.at),
    [0, 1_000, 3_000, 7_000, 15_000, 23_000],
  );
  await w.timers.advance(60_000);
  assert.equal(w.session.published.length, 6, 'nothing after the timeout');
});

test('a lost answer: the repeat gets the same answer again, and no second upload is issued', async () => {
  const w = await world();
  w.wire.answers = false; // the answer is lost on its way
  const asked = w.requester.request({ contentType: 'image/jpeg' });
  await w.timers.advance(0);
  assert.equal(w.issued.length, 1);
  assert.equal(w.answers.length, 1);
  w.wire.answers = true;
  await w.timers.advance(1_000); // republished
  const target = await asked;
  assert.equal(target.uploadId, 'up-1', 'the first answer, again');
  assert.equal(w.issued.length, 1, 'one upload for the two publishes');
  assert.equal(w.answers.length, 2);
  assert.equal(w.answers[0], w.answers[1], 'the same answer, byte for byte');
  assert.equal(w.responder.stats.replayed, 1);
});

test('a repeat while the first is being handled is answered once, by the first', async () => {
  const w = await world({ slowIssue: true });
  const asked = w.requester.request({ contentType: 'image/jpeg' });
  await w.timers.advance(1_000); // the republish arrives while the upload is being issued
  assert.equal(w.session.published.length, 2);
  assert.equal(w.responder.stats.coalesced, 1);
  w.release();
  const target = await asked;
  await w.responder.idle();
  assert.equal(target.uploadId, 'up-1');
  assert.equal(w.issued.length, 1);
  assert.equal(w.answers.length, 1, 'one answer for both publishes');
});

test('a reconnect republishes the unanswered request at once', async () => {
  const w = await world();
  w.wire.requests = false;
  const asked = w.requester.request({ contentType: 'image/jpeg' });
  await w.timers.advance(500);
  w.session.connected = false;
  w.session.emit('offline', { reason: 'connection closed' });
  await w.timers.advance(1_000); // the timer's republish finds the session down: skipped
  assert.equal(w.session.published.length, 1);
  w.wire.requests = true;
  w.session.connected = true;
  w.session.emit('connected', { sessionPresent: true, attempts: 1 });
  const target = await asked;
  assert.equal(target.uploadId, 'up-1');
  assert.deepEqual(
    w.session.published.map((p) => p.at),
    [0, 1_500],
    'republished on the reconnect, before the next timer',
  );
});

test('the same clientToken with another request is refused with CONFLICT, the first upload stands', async () => {
  const w = await world();
  const first = await w.requester.request({ contentType: 'image/jpeg', size: 10 });
  assert.equal(first.uploadId, 'up-1');
  // Another request under the token just used (the test's random is constant): CONFLICT, nothing issued.
  const second = w.requester.request({ contentType: 'image/jpeg', size: 20 });
  await assert.rejects(second, (err: unknown) => {
    assert.ok(err instanceof CamlinkError);
    assert.equal(err.code, 'UPLOAD_URL_REJECTED');
    assert.equal(err.details?.['code'], 'CONFLICT');
    return true;
  });
  assert.equal(w.issued.length, 1);
});

test('stopping the session fails a pending request at once (DEVICE_OFFLINE), not at its timeout', async () => {
  const w = await world();
  w.wire.requests = false;
  const asked = w.requester.request({ contentType: 'image/jpeg' });
  const outcome = assert.rejects(asked, { code: 'DEVICE_OFFLINE' });
  await w.timers.advance(100);
  w.session.emit('stopped');
  await outcome;
  await w.timers.advance(60_000);
  assert.equal(w.session.published.length, 1, 'no republish after the stop');
});
