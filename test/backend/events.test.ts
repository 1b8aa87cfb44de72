/**
 * GET /v1/events over a real socket (node:http against app.listen on 127.0.0.1:0): server-sent events
 * as the WHATWG format defines them, Last-Event-ID replay, heartbeats, the per-user stream limit,
 * isolation between users and a clean end when the app closes.
 */
import assert from 'node:assert/strict';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reconcile } from '../../src/backend/uploads/reconcile.js';
import { createLogger } from '../../src/log/logger.js';
import type { UploadCompletedData } from '../../src/backend/events/hub.js';
import { backendTest, type TestBackend } from '../helpers/backend-app.js';
import { sha256, uploadKit } from '../helpers/uploads.js';

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comments: string[];
}

/** A minimal SSE parser (HTML §9.2.6): frames end at a blank line; ':' lines are comments. */
class SseReader {
  readonly frames: Frame[] = [];
  private buffer = '';
  private cursor = 0;
  private wake: (() => void) | undefined;
  ended = false;

  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) >= 0) {
        this.frames.push(parseFrame(this.buffer.slice(0, end)));
        this.buffer = this.buffer.slice(end + 2);
      }
      this.wake?.();
    });
    res.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
  }

  /** The next frame after those already taken that matches (skipped ones are consumed too). */
  async next(match: (f: Frame) => boolean = (f) => f.event !== undefined): Promise<Frame> {
    for (;;) {
      while (this.cursor < this.frames.length) {
        const frame = this.frames[this.cursor++] as Frame;
        if (match(frame)) return frame;
      }
      if (this.ended) throw new Error('stream ended');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async closed(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  close(): void {
    this.res.destroy();
  }
}

function parseFrame(text: string): Frame {
  const frame: Frame = { comments: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id' || field === 'event' || field === 'data' || field === 'retry') frame[field] = value;
  }
  return frame;
}

async function listen(b: TestBackend): Promise<number> {
  await b.app.listen({ port: 0, host: '127.0.0.1' });
  return (b.app.server.address() as AddressInfo).port;
}

function get(
  port: number,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/events',
        agent: false,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      },
      resolve,
    );
    req.on('error', reject);
  });
}

async function open(port: number, token: string, lastEventId?: string): Promise<SseReader> {
  const res = await get(port, token, lastEventId === undefined ? {} : { 'last-event-id': lastEventId });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(res.headers['cache-control'], 'no-store');
  return new SseReader(res);
}

async function json(res: IncomingMessage): Promise<{ error?: { code?: string } }> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk as string;
  return JSON.parse(text) as { error?: { code?: string } };
}

const completed = (n: number): UploadCompletedData => ({
  uploadId: `up-${n}`,
  deviceId: 'cam-1',
  bucket: 'media',
  key: `devices/cam-1/up-${n}.jpg`,
  url: `https://s3.example/media/devices/cam-1/up-${n}.jpg`,
  size: n,
  sha256: '0'.repeat(64),
  contentType: 'image/jpeg',
  capturedAt: '2026-01-01T00:00:00.000Z',
  completedAt: '2026-01-01T00:00:01.000Z',
});

backendTest('a user receives upload.completed; Last-Event-ID replays only newer events', async (t, b) => {
  const port = await listen(b);
  const alice = await b.user('alice');
  const now = b.clock.now().getTime();
  await b.store.createDevice({ deviceId: 'cam-1', certificateId: undefined }, now);
  await b.store.linkUserDevice(alice.id, 'cam-1', now);
  const stream = await open(port, alice.token);
  const first = await stream.next((f) => f.retry !== undefined);
  assert.equal(first.retry, '3000', 'the stream opens with a reconnection delay');

  // A real reconciliation: object PUT, notification decided, event fanned out.
  const kit = await uploadKit(t, b);
  const upload = await kit.pending('cam-1', { userId: alice.id });
  const bytes = Buffer.alloc(64, 1);
  await kit.put(upload, bytes, { checksum: true });
  const deps = {
    store: b.store,
    clock: b.clock,
    logger: createLogger({ level: 'silent' }),
    services: b.services,
    events: b.events,
  };
  assert.equal((await reconcile(deps, JSON.stringify(kit.notification(upload, bytes)))).kind, 'completed');
  const e1 = await stream.next();
  assert.equal(e1.event, 'upload.completed');
  assert.match(e1.id ?? '', /^[0-9]+$/);
  const body = JSON.parse(e1.data ?? '') as {
    id: string;
    type: string;
    at: string;
    data: UploadCompletedData;
  };
  assert.equal(body.id, e1.id);
  assert.equal(body.type, 'upload.completed');
  assert.equal(body.at, b.clock.now().toISOString());
  assert.equal(body.data.uploadId, upload.uploadId);
  assert.equal(body.data.sha256, sha256(bytes));
  assert.equal(body.data.size, 64);
  assert.equal(body.data.url, b.services.objects.objectUrl(upload.bucket, upload.key));

  const e2 = b.events.publish(alice.id, 'upload.completed', completed(2));
  assert.equal((await stream.next()).id, e2.id);
  stream.close();
  await stream.closed();
  const e3 = b.events.publish(alice.id, 'upload.completed', completed(3));
  const e4 = b.events.publish(alice.id, 'upload.completed', completed(4));
  assert.ok(Number(e2.id) < Number(e3.id) && Number(e3.id) < Number(e4.id), 'ids increase');

  const again = await open(port, alice.token, e2.id);
  const replayed = [await again.next(), await again.next()];
  assert.deepEqual(
    replayed.map((f) => f.id),
    [e3.id, e4.id],
  );
  assert.deepEqual(JSON.parse(replayed[0]?.data ?? ''), e3);
  const e5 = b.events.publish(alice.id, 'upload.completed', completed(5));
  assert.equal((await again.next()).id, e5.id, 'live events follow the replay, nothing in between');
  again.close();

  // An id that is not ours (or not a number) replays nothing; live events still flow.
  const fresh = await open(port, alice.token, 'not-an-id');
  const e6 = b.events.publish(alice.id, 'upload.completed', completed(6));
  assert.equal((await fresh.next()).id, e6.id);
  fresh.close();
});

backendTest(
  'an idle stream gets heartbeat comments',
  async (_t, b) => {
    const port = await listen(b);
    const alice = await b.user('alice');
    const stream = await open(port, alice.token);
    const beat = await stream.next((f) => f.comments.includes('heartbeat'));
    assert.deepEqual(beat, { comments: ['heartbeat'] });
    const second = await stream.next((f) => f.comments.includes('heartbeat'));
    assert.deepEqual(second, { comments: ['heartbeat'] }, 'and keeps getting them');
    stream.close();
  },
  { backend: { events: { heartbeatSeconds: 1 } } },
);

backendTest(
  'streams are per user: the limit is 429, nobody sees another user’s events, the operator sees all',
  async (_t, b) => {
    const port = await listen(b);
    const alice = await b.user('alice');
    const bob = await b.user('bob');

    const noToken = await get(port, undefined);
    assert.equal(noToken.statusCode, 401);
    assert.equal((await json(noToken)).error?.code, 'AUTH_REQUIRED');

    const a1 = await open(port, alice.token);
    const a2 = await open(port, alice.token);
    const refused = await get(port, alice.token);
    assert.equal(refused.statusCode, 429);
    assert.equal((await json(refused)).error?.code, 'TOO_MANY_STREAMS');
    const bobs = await open(port, bob.token);
    const operator = await open(port, b.operatorToken);

    const forAlice = b.events.publish(alice.id, 'upload.completed', completed(1));
    const forBob = b.events.publish(bob.id, 'upload.completed', completed(2));
    assert.equal((await a1.next()).id, forAlice.id);
    assert.equal((await a2.next()).id, forAlice.id);
    assert.equal((await bobs.next()).id, forBob.id, "bob's first event is his own");
    assert.deepEqual([(await operator.next()).id, (await operator.next()).id], [forAlice.id, forBob.id]);
    // Bob's Last-Event-ID replay does not include Alice's events either.
    const bobAgain = await open(port, bob.token, String(Number(forAlice.id) - 1));
    assert.equal((await bobAgain.next()).id, forBob.id);
    bobAgain.close();

    // A closed stream frees its slot (the server notices the disconnect asynchronously).
    a2.close();
    let reopened: IncomingMessage | undefined;
    for (let attempt = 0; attempt < 200 && reopened === undefined; attempt++) {
      const res = await get(port, alice.token);
      if (res.statusCode === 200) reopened = res;
      else res.resume();
    }
    assert.equal(reopened?.statusCode, 200);
    reopened?.destroy();
    for (const s of [a1, bobs, operator]) s.close();
  },
  { backend: { events: { maxStreamsPerUser: 2 } } },
);

backendTest('closing the app ends open streams instead of waiting for them', async (_t, b) => {
  const port = await listen(b);
  const alice = await b.user('alice');
  const streams = [await open(port, alice.token), await open(port, b.operatorToken)];
  await Promise.all(streams.map((s) => s.next((f) => f.retry !== undefined)));
  await b.app.close();
  await Promise.all(streams.map((s) => s.closed()));
  assert.ok(streams.every((s) => s.ended));
});
