/**
 * Queue benchmark: SendMessage, ReceiveMessage and DeleteMessage through the official SQS client over
 * HTTPS (SigV4, camlink CA) against camlink's queue, side by side with the limit of its storage: a
 * plain better-sqlite3 insert loop with the same durability settings (WAL, synchronous=FULL, one commit
 * per call).
 *
 * Fixed workload (override with env BENCH_SCALE=0.1 for a smoke run), one request in flight:
 *   single  2,000 SendMessage of 200 B; 2,000 ReceiveMessage (1) + DeleteMessage
 *   batch   200 SendMessageBatch of 10 x 200 B; 200 ReceiveMessage (10) + DeleteMessageBatch (10)
 *   sqlite  2,000 single-row commits; 200 commits of 10 rows
 * Prints one line per figure (messages per second and p99 latency per call); results go to
 * docs/benchmarks.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { InMemoryCredentialStore } from '../src/auth/credentials.js';
import { loadConfig } from '../src/config/load.js';
import { startQueueServer } from '../src/queue/server.js';
import { EXAMPLE_KEYS, queuePki, sqsClient } from '../test/helpers/queue.js';
import { describeBench, reportFigure } from './lib/report.js';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const SINGLE = Math.round(2_000 * SCALE);
const BATCHES = Math.round(200 * SCALE);
const BODY = 'x'.repeat(200);

const WORKLOAD =
  `One call in flight, 200 B bodies: ${SINGLE.toLocaleString('en')} SendMessage, then ${SINGLE.toLocaleString('en')} ` +
  `ReceiveMessage (1) + DeleteMessage; ${BATCHES} SendMessageBatch (10), then ${BATCHES} ReceiveMessage (10) + ` +
  `DeleteMessageBatch (10); for SQLite ${SINGLE.toLocaleString('en')} single-row commits and ${BATCHES} ten-row ` +
  'commits. p99 is per call (a receive + delete pair is one call). The server and the SDK share one process.';
const PEERS =
  "camlink's queue is driven through the official @aws-sdk/client-sqs over HTTPS (SigV4, camlink CA, keep-alive). " +
  'Peer: the limit of its storage, a plain better-sqlite3 insert loop with the same durability settings (WAL, ' +
  'synchronous=FULL, one commit per call): 1 row per commit for single calls, 10 rows per commit for batches.';

interface Figure {
  perSecond: number;
  p99Ms: number;
}

/** Runs `calls` sequential calls of `fn`, each worth `messagesPerCall` messages. */
async function measure(
  calls: number,
  messagesPerCall: number,
  fn: (i: number) => Promise<void> | void,
): Promise<Figure> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < calls; i += 1) {
    const t0 = performance.now();
    await fn(i);
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
  return { perSecond: (calls * messagesPerCall) / seconds, p99Ms: p99 };
}

function line(name: string, f: Figure): void {
  console.log(
    `${name.padEnd(44)} ${Math.round(f.perSecond).toString().padStart(7)} msg/s   p99 ${f.p99Ms.toFixed(2)} ms/call`,
  );
}

interface QueueFigures {
  send: Figure;
  receiveDelete: Figure;
  sendBatch: Figure;
  receiveDeleteBatch: Figure;
}

async function benchQueue(sqs: SQSClient, queueName: string): Promise<QueueFigures> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const send = await measure(SINGLE, 1, async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: BODY }));
  });
  line('camlink SendMessage (1/call)', send);
  const receiveDelete = await measure(SINGLE, 1, async () => {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
    const m = got.Messages?.[0];
    if (m === undefined) throw new Error('queue ran dry');
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
  });
  line('camlink ReceiveMessage+DeleteMessage (1/call)', receiveDelete);
  const Entries = Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: BODY }));
  const sendBatch = await measure(BATCHES, 10, async () => {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
  });
  line('camlink SendMessageBatch (10/call)', sendBatch);
  const receiveDeleteBatch = await measure(BATCHES, 10, async () => {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    const messages = got.Messages ?? [];
    if (messages.length === 0) throw new Error('queue ran dry');
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  });
  line('camlink ReceiveMessage+DeleteMessageBatch (10/call)', receiveDeleteBatch);
  return { send, receiveDelete, sendBatch, receiveDeleteBatch };
}

async function benchSqlite(dir: string): Promise<{ single: Figure; batch: Figure }> {
  const db = new Database(join(dir, 'plain.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE m (id INTEGER PRIMARY KEY, body TEXT NOT NULL, sent_at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO m (body, sent_at) VALUES (?, ?)');
  const many = db.transaction((n: number) => {
    for (let i = 0; i < n; i += 1) insert.run(BODY, Date.now());
  });
  const single = await measure(SINGLE, 1, () => void insert.run(BODY, Date.now()));
  line('better-sqlite3 insert, 1 row/commit', single);
  const batch = await measure(BATCHES, 10, () => many(10));
  line('better-sqlite3 insert, 10 rows/commit', batch);
  db.close();
  return { single, batch };
}

function report(q: QueueFigures, sqlite: { single: Figure; batch: Figure }): void {
  const rows: [string, Figure, Figure, string][] = [
    ['SendMessage (1/call)', q.send, sqlite.single, 'better-sqlite3, 1 row/commit'],
    [
      'ReceiveMessage + DeleteMessage (1/call)',
      q.receiveDelete,
      sqlite.single,
      'better-sqlite3, 1 row/commit',
    ],
    ['SendMessageBatch (10/call)', q.sendBatch, sqlite.batch, 'better-sqlite3, 10 rows/commit'],
    [
      'ReceiveMessage + DeleteMessageBatch (10/call)',
      q.receiveDeleteBatch,
      sqlite.batch,
      'better-sqlite3, 10 rows/commit',
    ],
  ];
  for (const [figure, camlink, peer, name] of rows) {
    reportFigure({
      bench: 'queue',
      figure: `${figure}: messages per second`,
      unit: 'msg/s',
      value: camlink.perSecond,
      peer: { name, value: peer.perSecond },
      better: 'higher',
    });
    reportFigure({
      bench: 'queue',
      figure: `${figure}: p99 per call`,
      unit: 'ms',
      value: camlink.p99Ms,
      peer: { name, value: peer.p99Ms },
      better: 'lower',
    });
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(os.tmpdir(), 'camlink-bench-queue-'));
  try {
    const ca = await queuePki(dir);
    const config = loadConfig({ env: {}, flags: { dataDir: dir, queue: { port: 0 } } });
    const server = await startQueueServer({
      config: config.queue,
      dataDir: dir,
      region: config.iot.region,
      accountId: config.iot.accountId,
      credentials: new InMemoryCredentialStore([EXAMPLE_KEYS]),
    });
    const sqs = sqsClient(server.url, ca);
    try {
      describeBench('queue', { workload: WORKLOAD, peers: PEERS });
      console.log(`workload: ${SINGLE} single calls, ${BATCHES} batch calls, 200 B bodies, 1 call in flight`);
      const queue = await benchQueue(sqs, 'bench');
      report(queue, await benchSqlite(dir));
    } finally {
      sqs.destroy();
      await server.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
