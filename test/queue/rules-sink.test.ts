/** The IoT rules engine writes into the queue store in-process (QueueSink), durably, before it settles. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RulesEngine } from '../../src/iot/rules/engine.js';
import { UPLOAD_RULE_NAME, UPLOAD_RULE_SQL } from '../../src/contracts/upload-rule.js';
import { QueueStore } from '../../src/queue/store.js';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { tempDir } from '../helpers/tmp.js';

test('the upload rule sends to the store; an unknown queue makes handle() reject RULE_ACTION_FAILED', async (t) => {
  const dir = await tempDir(t);
  const store = new QueueStore({
    path: join(dir, 'q.db'),
    region: 'us-east-1',
    accountId: '000000000000',
    maxQueues: 10,
  });
  t.after(() => store.close());
  store.createQueue('uploads');
  const deps = { queue: store, republish: () => Promise.resolve() };
  const engine = new RulesEngine(
    [
      {
        name: UPLOAD_RULE_NAME,
        sql: UPLOAD_RULE_SQL,
        actions: [{ sqs: { queueUrl: 'https://127.0.0.1:9324/000000000000/uploads' } }],
      },
    ],
    deps,
  );
  const payload = { uploadId: 'u1' };
  await engine.handle({
    topic: 'camlink/devices/cam-1/uploads',
    payload: Buffer.from(JSON.stringify(payload)),
    timestamp: Date.UTC(2026, 10, 26),
    clientId: 'cam-1',
  });
  const [m] = store.receive('uploads', { max: 1 });
  assert.ok(m);
  assert.equal((JSON.parse(m.body) as { uploadId: string }).uploadId, 'u1');

  const broken = new RulesEngine(
    [
      {
        name: 'broken',
        sql: "SELECT * FROM 'camlink/devices/+/uploads'",
        actions: [{ sqs: { queueUrl: 'https://127.0.0.1:9324/000000000000/missing' } }],
      },
    ],
    deps,
  );
  await assert.rejects(
    broken.handle({ topic: 'camlink/devices/cam-1/uploads', payload: Buffer.from('{}'), timestamp: 0 }),
    (e) => isCamlinkError(e, 'RULE_ACTION_FAILED') && /does not exist/.test(e.message),
  );
});
