/** Every queue request is SigV4-checked: what SQS answers for unknown keys, bad signatures, skew, size. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import {
  CreateQueueCommand,
  ListQueuesCommand,
  SQSServiceException,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { EXAMPLE_KEYS, startTestQueue } from '../helpers/queue.js';

function tamperBody(client: SQSClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { body?: unknown };
      const text = new TextDecoder().decode(req.body as Uint8Array);
      assert.match(text, /"tampered"/);
      req.body = text.replace('"tampered"', '"tampereD"');
      return next(args);
    },
    { step: 'deserialize', name: 'tamperAfterSigning' },
  );
}

// With SQS's awsQueryCompatible trait the SDK names the error by the x-amzn-query-error code.
const denied = (queryCode: string) => (e: unknown) =>
  e instanceof SQSServiceException &&
  e.name === queryCode &&
  e.$metadata.httpStatusCode === 403 &&
  (e as SQSServiceException & { Type?: string }).Type === 'Sender';

test('an unknown access key is 403 UnrecognizedClientException (InvalidClientTokenId)', async (t) => {
  const { client } = await startTestQueue(t);
  const sqs = client({ accessKeyId: 'AKIAUNKNOWNEXAMPLE00', secretAccessKey: EXAMPLE_KEYS.secretAccessKey });
  await assert.rejects(sqs.send(new ListQueuesCommand({})), denied('InvalidClientTokenId'));
});

test('a wrong secret or a body changed after signing is 403 SignatureDoesNotMatch', async (t) => {
  const { client, server } = await startTestQueue(t);
  const wrong = client({ accessKeyId: EXAMPLE_KEYS.accessKeyId, secretAccessKey: 'not-the-secret' });
  await assert.rejects(wrong.send(new ListQueuesCommand({})), denied('SignatureDoesNotMatch'));
  const tampered = client();
  tamperBody(tampered);
  await assert.rejects(
    tampered.send(new CreateQueueCommand({ QueueName: 'tampered' })),
    denied('SignatureDoesNotMatch'),
  );
  assert.deepEqual(server.store.listQueues(), [], 'nothing was created');
});

test('a request signed outside the clock skew is 403 (RequestExpired)', async (t) => {
  const ahead = { now: () => new Date(Date.now() + 3_600_000) };
  const { client } = await startTestQueue(t, { clock: ahead });
  await assert.rejects(client().send(new ListQueuesCommand({})), denied('RequestExpired'));
});

test('an unsigned request is 403 MissingAuthenticationToken; an oversized body is 413 before buffering', async (t) => {
  const { server, ca } = await startTestQueue(t, { maxRequestBytes: 65_536 });
  const post = (headers: Record<string, string | number>, body: string) =>
    new Promise<{ status: number; json: Record<string, unknown>; queryError: string | undefined }>(
      (resolve, reject) => {
        const req = request(`${server.url}/`, { method: 'POST', ca, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            const q = res.headers['x-amzn-query-error'];
            resolve({
              status: res.statusCode ?? 0,
              json: JSON.parse(text) as Record<string, unknown>,
              queryError: Array.isArray(q) ? q[0] : q,
            });
          });
        });
        req.on('error', reject);
        req.end(body);
      },
    );
  const json = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' };
  const anonymous = await post(json, '{}');
  assert.equal(anonymous.status, 403);
  assert.equal(anonymous.json.__type, 'com.amazon.coral.service#MissingAuthenticationTokenException');
  assert.equal(anonymous.queryError, 'MissingAuthenticationToken;Sender');
  const big = await post({ ...json, 'content-length': 1_000_000 }, '');
  assert.equal(big.status, 413);
  assert.equal(big.json.__type, 'com.amazon.coral.service#RequestEntityTooLargeException');
});
