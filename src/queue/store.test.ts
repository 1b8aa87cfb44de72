import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { QueueStore } from './store.js';
import { isSqsError } from './errors.js';
import { isCamlinkError } from '../errors/camlink-error.js';
import { FakeClock } from '../../test/helpers/pki.js';
import { tempDir } from '../../test/helpers/tmp.js';

async function newStore(t: TestContext, maxQueues = 100) {
  const dir = await tempDir(t);
  const clock = new FakeClock();
  const path = join(dir, 'queue.db');
  const store = new QueueStore({ path, region: 'us-east-1', accountId: '000000000000', maxQueues, clock });
  t.after(() => store.close());
  const advance = (seconds: number) => (clock.current = new Date(clock.current.getTime() + seconds * 1000));
  return { store, clock, advance, path };
}

test('a received message is invisible for the visibility timeout, then comes back with a new handle', async (t) => {
  const { store, advance } = await newStore(t);
  store.createQueue('q', { VisibilityTimeout: '30' });
  store.send('q', { body: 'hello' });
  const [first] = store.receive('q', { max: 10 });
  assert.equal(first?.body, 'hello');
  assert.equal(first?.receiveCount, 1);
  assert.deepEqual(store.receive('q', { max: 10 }), []);
  assert.deepEqual(store.counts('q'), { visible: 0, notVisible: 1, delayed: 0 });
  advance(29);
  assert.deepEqual(store.receive('q', { max: 10 }), []);
  advance(1);
  const [again] = store.receive('q', { max: 10 });
  assert.equal(again?.receiveCount, 2);
  assert.notEqual(again?.receiptHandle, first?.receiptHandle);
  assert.equal(again?.firstReceivedAt, first?.firstReceivedAt);
});

test('a stale receipt handle deletes nothing (as SQS documents) and cannot change visibility', async (t) => {
  const { store, advance } = await newStore(t);
  store.createQueue('q', { VisibilityTimeout: '10' });
  store.send('q', { body: 'x' });
  const [first] = store.receive('q', { max: 1 });
  advance(10);
  const [second] = store.receive('q', { max: 1 });
  assert.ok(first && second);
  store.deleteMessage('q', first.receiptHandle);
  assert.equal(store.counts('q').notVisible, 1, 'the stale handle did not delete the message');
  assert.throws(
    () => store.changeVisibility('q', first.receiptHandle, 0),
    (e) => isSqsError(e, 'ReceiptHandleIsInvalid'),
  );
  assert.throws(
    () => store.deleteMessage('q', 'not-a-handle'),
    (e) => isSqsError(e, 'ReceiptHandleIsInvalid'),
  );
  store.deleteMessage('q', second.receiptHandle);
  assert.deepEqual(store.counts('q'), { visible: 0, notVisible: 0, delayed: 0 });
});

test('ChangeMessageVisibility 0 makes a message visible; after its timeout it is not in flight', async (t) => {
  const { store, advance } = await newStore(t);
  store.createQueue('q');
  store.send('q', { body: 'x' });
  const [m] = store.receive('q', { max: 1 });
  assert.ok(m);
  store.changeVisibility('q', m.receiptHandle, 0);
  const [again] = store.receive('q', { max: 1, visibilityTimeout: 5 });
  assert.ok(again);
  advance(5);
  assert.throws(
    () => store.changeVisibility('q', again.receiptHandle, 60),
    (e) => isSqsError(e, 'MessageNotInflight'),
  );
});

test('delay: a delayed message is counted as delayed until DelaySeconds pass', async (t) => {
  const { store, advance } = await newStore(t);
  store.createQueue('q', { DelaySeconds: '5' });
  store.send('q', { body: 'a' });
  store.send('q', { body: 'b', delaySeconds: 0 });
  assert.deepEqual(store.counts('q'), { visible: 1, notVisible: 0, delayed: 1 });
  advance(5);
  assert.equal(store.receive('q', { max: 10 }).length, 2);
});

test('retention: messages older than MessageRetentionPeriod are deleted', async (t) => {
  const { store, advance } = await newStore(t);
  store.createQueue('q', { MessageRetentionPeriod: '60' });
  store.send('q', { body: 'old' });
  advance(30);
  store.send('q', { body: 'new' });
  advance(30);
  assert.deepEqual(
    store.receive('q', { max: 10 }).map((m) => m.body),
    ['new'],
  );
});

test('redrive: the receive that would exceed maxReceiveCount moves the message to the DLQ instead', async (t) => {
  const { store, advance } = await newStore(t);
  store.createQueue('dlq');
  store.createQueue('q', {
    VisibilityTimeout: '1',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: store.queueArn('dlq'), maxReceiveCount: 2 }),
  });
  const { messageId } = store.send('q', { body: 'poison' });
  assert.equal(store.receive('q', { max: 1 }).length, 1);
  advance(1);
  assert.equal(store.receive('q', { max: 1 })[0]?.receiveCount, 2);
  advance(1);
  assert.deepEqual(store.receive('q', { max: 1 }), []);
  const [dead] = store.receive('dlq', { max: 1 });
  assert.equal(dead?.messageId, messageId);
  assert.equal(dead?.body, 'poison');
  assert.throws(
    () =>
      store.createQueue('r', {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: store.queueArn('missing'), maxReceiveCount: 2 }),
      }),
    (e) => isSqsError(e, 'InvalidParameterValue'),
  );
});

test('purge removes every message; delete removes the queue', async (t) => {
  const { store } = await newStore(t);
  store.createQueue('q');
  store.sendMany('q', [{ body: 'a' }, { body: 'b' }]);
  store.purgeQueue('q');
  assert.deepEqual(store.counts('q'), { visible: 0, notVisible: 0, delayed: 0 });
  store.deleteQueue('q');
  assert.throws(
    () => store.send('q', { body: 'a' }),
    (e) => isSqsError(e, 'QueueDoesNotExist'),
  );
});

test('CreateQueue is idempotent with the same attributes, QueueNameExists with others; limits hold', async (t) => {
  const { store } = await newStore(t, 2);
  const a = store.createQueue('a', { VisibilityTimeout: '5' });
  assert.equal(store.createQueue('a', { VisibilityTimeout: '5' }).id, a.id);
  assert.equal(store.createQueue('a').id, a.id, 'no attributes given: nothing differs');
  assert.throws(
    () => store.createQueue('a', { VisibilityTimeout: '6' }),
    (e) => isSqsError(e, 'QueueNameExists'),
  );
  assert.throws(
    () => store.createQueue('b', { VisibilityTimeout: '43201' }),
    (e) => isSqsError(e, 'InvalidAttributeValue'),
  );
  assert.throws(
    () => store.createQueue('b', { Colour: '1' }),
    (e) => isSqsError(e, 'InvalidAttributeName'),
  );
  assert.throws(
    () => store.createQueue('b.fifo'),
    (e) => isSqsError(e, 'UnsupportedOperation'),
  );
  assert.throws(
    () => store.createQueue('b c'),
    (e) => isSqsError(e, 'InvalidParameterValue'),
  );
  store.createQueue('b');
  assert.throws(
    () => store.createQueue('c'),
    (e) => isSqsError(e, 'OverLimit'),
  );
  assert.deepEqual(store.listQueues(), ['a', 'b']);
  assert.deepEqual(store.listQueues('b'), ['b']);
});

test('message size counts attributes against MaximumMessageSize', async (t) => {
  const { store } = await newStore(t);
  store.createQueue('q', { MaximumMessageSize: '1024' });
  store.send('q', { body: 'x'.repeat(1024) });
  assert.throws(
    () => store.send('q', { body: 'x'.repeat(1025) }),
    (e) => isSqsError(e, 'InvalidParameterValue'),
  );
  assert.throws(
    () =>
      store.send('q', {
        body: 'x'.repeat(1000),
        attributes: { n: { DataType: 'String', StringValue: 'y'.repeat(30) } },
      }),
    (e) => isSqsError(e, 'InvalidParameterValue'),
  );
  assert.throws(
    () => store.send('q', { body: 'a\u0000b' }),
    (e) => isSqsError(e, 'InvalidMessageContents'),
  );
});

test('QueueSink: sendMessage resolves only after the row is committed (seen by another connection)', async (t) => {
  const { store, path } = await newStore(t);
  store.createQueue('rules');
  await store.sendMessage('https://127.0.0.1:9324/000000000000/rules', '{"a":1}');
  const other = new Database(path, { readonly: true });
  t.after(() => other.close());
  const row = other.prepare<[], { body: string }>('SELECT body FROM messages').get();
  assert.equal(row?.body, '{"a":1}');
  await assert.rejects(store.sendMessage('https://h/000000000000/nope', 'x'), (e) =>
    isSqsError(e, 'QueueDoesNotExist'),
  );
  await assert.rejects(store.sendMessage('https://h/111111111111/rules', 'x'), (e) =>
    isSqsError(e, 'QueueDoesNotExist'),
  );
});

test('a database with a newer schema is refused with QUEUE_STORE_UNAVAILABLE', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'q.db');
  const db = new Database(path);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(
    () => new QueueStore({ path, region: 'us-east-1', accountId: '000000000000', maxQueues: 1 }),
    (e) => isCamlinkError(e, 'QUEUE_STORE_UNAVAILABLE'),
  );
});
