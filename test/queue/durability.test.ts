/**
 * A 200 means the message is on disk: N sends each answered 200, then kill -9 of the server process
 * right away, a restart on the same data dir, and all N come back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { queuePki, sqsClient } from '../helpers/queue.js';
import { tempDir } from '../helpers/tmp.js';

const CHILD = fileURLToPath(new URL('./fixtures/queue-child.ts', import.meta.url));

async function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`queue child exited with ${String(code)} before listening`);
    }),
  ])) as [string];
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

test('kill -9 right after N acknowledged sends loses none of them', async (t) => {
  const dataDir = await tempDir(t);
  const ca = await queuePki(dataDir);
  const N = 50;
  const first = await startChild(dataDir);
  t.after(() => first.child.kill('SIGKILL'));
  const sqs = sqsClient(first.url, ca);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'durable' }));
  const sentIds = new Set<string>();
  for (let i = 0; i < N; i += 1) {
    const out = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `message ${i}` }));
    sentIds.add(out.MessageId ?? '');
  }
  const exited = once(first.child, 'exit');
  first.child.kill('SIGKILL');
  const [, signal] = (await exited) as [number | null, string | null];
  assert.equal(signal, 'SIGKILL');
  sqs.destroy();

  const second = await startChild(dataDir);
  t.after(() => second.child.kill('SIGKILL'));
  const again = sqsClient(second.url, ca);
  t.after(() => again.destroy());
  const queueUrl = `${second.url}/000000000000/durable`;
  const receivedIds = new Set<string>();
  for (;;) {
    const got = await again.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (!got.Messages || got.Messages.length === 0) break;
    for (const m of got.Messages) receivedIds.add(m.MessageId ?? '');
  }
  assert.equal(receivedIds.size, N);
  assert.deepEqual([...receivedIds].sort(), [...sentIds].sort());
});
