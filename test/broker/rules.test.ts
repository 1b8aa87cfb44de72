/**
 * Topic rules in the endpoint: the repository's upload rule sends each upload announcement to the
 * queue before the device gets its PUBACK; a failing action withholds the PUBACK; internal presence
 * events go through the rules too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RulesEngine, type QueueSink } from '../../src/iot/rules/index.js';
import { UPLOAD_RULE_NAME, UPLOAD_RULE_SQL } from '../../src/contracts/upload-rule.js';
import { closed, startTestEndpoint, type TestEndpoint } from '../helpers/endpoint.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/camlink-uploads';

/** A queue whose sends complete only when the test says so. */
class GatedQueue implements QueueSink {
  readonly sent: { queueUrl: string; body: string }[] = [];
  private gate: { promise: Promise<void>; open(): void; fail(err: Error): void } = gate();
  async sendMessage(queueUrl: string, body: string): Promise<void> {
    await this.gate.promise;
    this.sent.push({ queueUrl, body });
  }
  open(): void {
    this.gate.open();
  }
  fail(err: Error): void {
    this.gate.fail(err);
  }
}

function gate() {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  promise.catch(() => undefined);
  return { promise, open, fail };
}

async function endpointWithRules(t: Parameters<typeof startTestEndpoint>[0], queue: QueueSink) {
  // The engine republishes through the endpoint, so it is created once the endpoint runs.
  const late: { engine?: RulesEngine } = {};
  const ep: TestEndpoint = await startTestEndpoint(t, {
    operators: ['backend'],
    rules: { handle: (message) => (late.engine ? late.engine.handle(message) : Promise.resolve([])) },
  });
  late.engine = new RulesEngine(
    [
      { name: UPLOAD_RULE_NAME, sql: UPLOAD_RULE_SQL, actions: [{ sqs: { queueUrl: QUEUE_URL } }] },
      {
        name: 'presence_feed',
        sql: "SELECT clientId, eventType FROM '$aws/events/presence/+/+'",
        actions: [{ republish: { topic: 'camlink/fleet/presence', qos: 1 } }],
      },
    ],
    { queue, republish: (topic, payload, qos) => ep.broker.publish(topic, payload, qos) },
  );
  return ep;
}

test('an upload announcement is in the queue before the device gets its PUBACK', async (t) => {
  const queue = new GatedQueue();
  const ep = await endpointWithRules(t, queue);
  const cam = await ep.connect(await ep.device('cam-1'));
  let acked = false;
  const publish = cam
    .publishAsync('camlink/devices/cam-1/uploads', JSON.stringify({ key: 'a.jpg', size: 3 }), { qos: 1 })
    .then(() => {
      acked = true;
    });
  // The rule is waiting on the queue: no PUBACK yet. A round trip on the same connection proves it.
  await cam.subscribeAsync('camlink/devices/cam-1/commands', { qos: 1 });
  assert.equal(acked, false);
  queue.open();
  await publish;
  assert.equal(queue.sent.length, 1);
  const body = JSON.parse(queue.sent[0]?.body ?? '{}') as Record<string, unknown>;
  assert.equal(queue.sent[0]?.queueUrl, QUEUE_URL);
  assert.equal(body.key, 'a.jpg');
  assert.equal(body.deviceId, 'cam-1');
  assert.equal(body.clientId, 'cam-1');
  assert.equal(typeof body.receivedAt, 'number');
});

test('a failing queue withholds the PUBACK and closes the connection', async (t) => {
  const queue = new GatedQueue();
  const ep = await endpointWithRules(t, queue);
  const cam = await ep.connect(await ep.device('cam-2'));
  let acked = false;
  cam.publish('camlink/devices/cam-2/uploads', '{"key":"b.jpg"}', { qos: 1 }, () => (acked = true));
  const gone = closed(cam);
  await cam.subscribeAsync('camlink/devices/cam-2/commands', { qos: 1 });
  queue.fail(new Error('disk full'));
  await gone;
  assert.equal(acked, false);
  assert.equal(queue.sent.length, 0);
  assert.ok(ep.logs.some((l) => l.msg === 'topic rule action failed' && l.clientId === 'cam-2'));
});

test('presence events pass through the rules like any message', async (t) => {
  const queue = new GatedQueue();
  queue.open();
  const ep = await endpointWithRules(t, queue);
  const backend = await ep.connect(await ep.device('backend'));
  await backend.subscribeAsync('camlink/fleet/presence', { qos: 1 });
  const feed = new Promise<unknown>((resolve) => {
    backend.on('message', (topic, payload) => {
      const event = JSON.parse(payload.toString()) as { clientId?: string };
      if (topic === 'camlink/fleet/presence' && event.clientId === 'cam-3') resolve(event);
    });
  });
  await ep.connect(await ep.device('cam-3'));
  assert.deepEqual(await feed, { clientId: 'cam-3', eventType: 'connected' });
});
