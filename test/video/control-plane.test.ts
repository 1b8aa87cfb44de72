/** The official @aws-sdk/client-kinesis-video drives the embedded KVS control plane over HTTPS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Agent } from 'node:https';
import {
  AccountStreamLimitExceededException,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetDataEndpointCommand,
  InvalidArgumentException,
  KinesisVideoServiceException,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  NotAuthorizedException,
  ResourceInUseException,
  ResourceNotFoundException,
  TagStreamCommand,
  TagsPerResourceExceededLimitException,
  UntagStreamCommand,
  UpdateDataRetentionCommand,
  UpdateStreamCommand,
  VersionMismatchException,
  paginateListStreams,
} from '@aws-sdk/client-kinesis-video';
import {
  canonicalRequest,
  credentialScope,
  sha256Hex,
  stringToSign,
} from '../../src/auth/sigv4/canonical-request.js';
import { headersFromRecord } from '../../src/auth/sigv4/headers.js';
import { signingKey, signString } from '../../src/auth/sigv4/signing-key.js';
import { amzDate } from '../helpers/sigv4-sign.js';
import { rawRequest, type RawResponse } from '../helpers/https.js';
import { EXAMPLE_KEYS, startTestVideo } from '../helpers/video.js';

const is =
  <T>(ctor: abstract new (...args: never[]) => T, status: number) =>
  (err: unknown) =>
    err instanceof ctor &&
    (err as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode === status;
const named = (name: string, status: number) => (err: unknown) =>
  err instanceof KinesisVideoServiceException && err.name === name && err.$metadata.httpStatusCode === status;

/** POST `path` with `body`, SigV4-signed for kinesisvideo by hand (the SDK cannot send invalid input). */
function signedPost(
  agent: Agent,
  url: string,
  path: string,
  body: string,
  secret = EXAMPLE_KEYS.secretAccessKey,
) {
  const now = new Date();
  const date = amzDate(now);
  const host = new URL(url).host;
  const headers = { 'content-type': 'application/json', host, 'x-amz-date': date };
  const signed = Object.keys(headers).sort();
  const canonical = canonicalRequest({
    method: 'POST',
    rawPath: path,
    query: [],
    headers: headersFromRecord(headers),
    signedHeaders: signed,
    payloadHash: sha256Hex(body),
    s3: false,
  });
  const scope = credentialScope(date.slice(0, 8), 'us-east-1', 'kinesisvideo');
  const signature = signString(
    signingKey(secret, date.slice(0, 8), 'us-east-1', 'kinesisvideo'),
    stringToSign(date, scope, canonical),
  );
  return rawRequest(agent, `${url}${path}`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-amz-date': date,
      authorization: `AWS4-HMAC-SHA256 Credential=${EXAMPLE_KEYS.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
    },
  });
}

const errorType = (res: RawResponse) => res.headers['x-amzn-errortype'];
const jsonBody = (res: RawResponse) => JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;

test('CreateStream, DescribeStream by name and ARN, UpdateStream, UpdateDataRetention, DeleteStream', async (t) => {
  const { server, client } = await startTestVideo(t);
  const kvs = client();
  const before = Date.now();
  const { StreamARN } = await kvs.send(
    new CreateStreamCommand({
      StreamName: 'door-cam',
      DeviceName: 'door',
      MediaType: 'video/h264',
      DataRetentionInHours: 24,
      Tags: { site: 'home' },
    }),
  );
  assert.match(StreamARN ?? '', /^arn:aws:kinesisvideo:us-east-1:000000000000:stream\/door-cam\/\d{13}$/);
  const { StreamInfo: info } = await kvs.send(new DescribeStreamCommand({ StreamName: 'door-cam' }));
  assert.equal(info?.StreamARN, StreamARN);
  assert.equal(info?.Status, 'ACTIVE');
  assert.equal(info?.DeviceName, 'door');
  assert.equal(info?.MediaType, 'video/h264');
  assert.equal(info?.DataRetentionInHours, 24);
  assert.equal(info?.KmsKeyId, 'arn:aws:kms:us-east-1:000000000000:alias/aws/kinesisvideo');
  assert.ok(info?.CreationTime instanceof Date);
  assert.ok(Math.abs((info?.CreationTime?.getTime() ?? 0) - before) < 60_000);
  const byArn = await kvs.send(new DescribeStreamCommand({ StreamARN }));
  assert.deepEqual(byArn.StreamInfo, info);

  await assert.rejects(
    kvs.send(
      new UpdateStreamCommand({ StreamName: 'door-cam', CurrentVersion: 'stale', MediaType: 'video/h265' }),
    ),
    is(VersionMismatchException, 400),
  );
  await kvs.send(
    new UpdateStreamCommand({ StreamARN, CurrentVersion: info?.Version, MediaType: 'video/h265' }),
  );
  const updated = (await kvs.send(new DescribeStreamCommand({ StreamName: 'door-cam' }))).StreamInfo;
  assert.equal(updated?.MediaType, 'video/h265');
  assert.equal(updated?.DeviceName, 'door');
  assert.notEqual(updated?.Version, info?.Version);

  await kvs.send(
    new UpdateDataRetentionCommand({
      StreamName: 'door-cam',
      CurrentVersion: updated?.Version,
      Operation: 'INCREASE_DATA_RETENTION',
      DataRetentionChangeInHours: 48,
    }),
  );
  const increased = (await kvs.send(new DescribeStreamCommand({ StreamName: 'door-cam' }))).StreamInfo;
  assert.equal(increased?.DataRetentionInHours, 72);
  await assert.rejects(
    kvs.send(
      new UpdateDataRetentionCommand({
        StreamName: 'door-cam',
        CurrentVersion: increased?.Version,
        Operation: 'DECREASE_DATA_RETENTION',
        DataRetentionChangeInHours: 73,
      }),
    ),
    is(InvalidArgumentException, 400),
  );
  await kvs.send(
    new UpdateDataRetentionCommand({
      StreamARN,
      CurrentVersion: increased?.Version,
      Operation: 'DECREASE_DATA_RETENTION',
      DataRetentionChangeInHours: 72,
    }),
  );
  const decreased = (await kvs.send(new DescribeStreamCommand({ StreamARN }))).StreamInfo;
  assert.equal(decreased?.DataRetentionInHours, 0);

  await assert.rejects(
    kvs.send(new DeleteStreamCommand({ StreamARN, CurrentVersion: info?.Version })),
    is(VersionMismatchException, 400),
  );
  await kvs.send(new DeleteStreamCommand({ StreamARN, CurrentVersion: decreased?.Version }));
  await assert.rejects(
    kvs.send(new DescribeStreamCommand({ StreamName: 'door-cam' })),
    is(ResourceNotFoundException, 404),
  );
  await assert.rejects(kvs.send(new DeleteStreamCommand({ StreamARN })), is(ResourceNotFoundException, 404));
  assert.equal(server.store.listStreams({ limit: 10 }).streams.length, 0);
});

test('ListStreams: paging with NextToken, the BEGINS_WITH condition, and the paginator', async (t) => {
  const { client } = await startTestVideo(t);
  const kvs = client();
  const names = ['cam-3', 'cam-1', 'door', 'cam-2', 'cam_x'];
  for (const StreamName of names) await kvs.send(new CreateStreamCommand({ StreamName }));
  const page1 = await kvs.send(new ListStreamsCommand({ MaxResults: 2 }));
  assert.deepEqual(
    page1.StreamInfoList?.map((s) => s.StreamName),
    ['cam-1', 'cam-2'],
  );
  assert.ok(page1.NextToken);
  const page2 = await kvs.send(new ListStreamsCommand({ MaxResults: 2, NextToken: page1.NextToken }));
  assert.deepEqual(
    page2.StreamInfoList?.map((s) => s.StreamName),
    ['cam-3', 'cam_x'],
  );
  const page3 = await kvs.send(new ListStreamsCommand({ MaxResults: 2, NextToken: page2.NextToken }));
  assert.deepEqual(
    page3.StreamInfoList?.map((s) => s.StreamName),
    ['door'],
  );
  assert.equal(page3.NextToken, undefined);

  const cams = await kvs.send(
    new ListStreamsCommand({
      StreamNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'cam-' },
    }),
  );
  assert.deepEqual(
    cams.StreamInfoList?.map((s) => s.StreamName),
    ['cam-1', 'cam-2', 'cam-3'],
  );
  const seen: string[] = [];
  for await (const page of paginateListStreams({ client: kvs, pageSize: 3 }, {})) {
    seen.push(...(page.StreamInfoList ?? []).map((s) => s.StreamName ?? ''));
  }
  assert.deepEqual(seen, [...names].sort());
  await assert.rejects(
    kvs.send(new ListStreamsCommand({ NextToken: 'bm90IGEgdG9rZW4/' })),
    is(InvalidArgumentException, 400),
  );
  await assert.rejects(
    kvs.send(new ListStreamsCommand({ MaxResults: 10_001 })),
    is(InvalidArgumentException, 400),
  );
});

test('TagStream, UntagStream, ListTagsForStream, and the 50-tag limit', async (t) => {
  const { client } = await startTestVideo(t);
  const kvs = client();
  const { StreamARN } = await kvs.send(new CreateStreamCommand({ StreamName: 's', Tags: { a: '1' } }));
  await kvs.send(new TagStreamCommand({ StreamARN, Tags: { a: '2', 'b:c': '' } }));
  assert.deepEqual((await kvs.send(new ListTagsForStreamCommand({ StreamName: 's' }))).Tags, {
    a: '2',
    'b:c': '',
  });
  await kvs.send(new UntagStreamCommand({ StreamName: 's', TagKeyList: ['a'] }));
  assert.deepEqual((await kvs.send(new ListTagsForStreamCommand({ StreamARN }))).Tags, { 'b:c': '' });
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
  await assert.rejects(
    kvs.send(new TagStreamCommand({ StreamName: 's', Tags: many })),
    is(TagsPerResourceExceededLimitException, 400),
  );
  await assert.rejects(
    kvs.send(new TagStreamCommand({ StreamName: 'missing', Tags: { a: 'b' } })),
    is(ResourceNotFoundException, 404),
  );
  await assert.rejects(
    kvs.send(new TagStreamCommand({ StreamName: 's', Tags: { 'bad#key': 'v' } })),
    is(InvalidArgumentException, 400),
  );
});

test('GetDataEndpoint answers the configured data endpoint for every API name', async (t) => {
  const { server, client } = await startTestVideo(t);
  const kvs = client();
  await kvs.send(new CreateStreamCommand({ StreamName: 'cam' }));
  for (const APIName of ['PUT_MEDIA', 'GET_MEDIA', 'GET_HLS_STREAMING_SESSION_URL', 'GET_IMAGES'] as const) {
    const { DataEndpoint } = await kvs.send(new GetDataEndpointCommand({ StreamName: 'cam', APIName }));
    assert.equal(DataEndpoint, server.url);
  }
  await assert.rejects(
    kvs.send(new GetDataEndpointCommand({ StreamName: 'other', APIName: 'PUT_MEDIA' })),
    is(ResourceNotFoundException, 404),
  );
  const custom = await startTestVideo(t, { dataEndpoint: 'https://media.example.test:8448' });
  const c = custom.client();
  await c.send(new CreateStreamCommand({ StreamName: 'cam' }));
  assert.equal(
    (await c.send(new GetDataEndpointCommand({ StreamName: 'cam', APIName: 'GET_MEDIA' }))).DataEndpoint,
    'https://media.example.test:8448',
  );
});

test('errors: duplicate, missing, limit, invalid input, unknown key, wrong signature, not authorized', async (t) => {
  const { server, client, agent } = await startTestVideo(t, {
    maxStreams: 2,
    authorize: (_credential, action, arn) =>
      !(action === 'kinesisvideo:DeleteStream' && arn.includes('/locked/')),
  });
  const kvs = client();
  await kvs.send(new CreateStreamCommand({ StreamName: 'one' }));
  await assert.rejects(
    kvs.send(new CreateStreamCommand({ StreamName: 'one' })),
    is(ResourceInUseException, 400),
  );
  await assert.rejects(
    kvs.send(new DescribeStreamCommand({ StreamName: 'missing' })),
    is(ResourceNotFoundException, 404),
  );
  const { StreamARN: locked } = await kvs.send(new CreateStreamCommand({ StreamName: 'locked' }));
  await assert.rejects(
    kvs.send(new CreateStreamCommand({ StreamName: 'three' })),
    is(AccountStreamLimitExceededException, 400),
  );
  await assert.rejects(
    kvs.send(new DeleteStreamCommand({ StreamARN: locked })),
    is(NotAuthorizedException, 401),
  );
  await assert.rejects(kvs.send(new DescribeStreamCommand({})), is(InvalidArgumentException, 400));
  await assert.rejects(
    kvs.send(new CreateStreamCommand({ StreamName: 'x', DataRetentionInHours: 87_601 })),
    is(InvalidArgumentException, 400),
  );

  const badName = await signedPost(
    agent,
    server.url,
    '/createStream',
    JSON.stringify({ StreamName: 'bad/name' }),
  );
  assert.equal(badName.status, 400);
  assert.equal(errorType(badName), 'InvalidArgumentException');
  assert.match(String(jsonBody(badName).Message), /StreamName/);
  const unknownMember = await signedPost(
    agent,
    server.url,
    '/describeStream',
    '{"StreamName":"one","Extra":1}',
  );
  assert.equal(errorType(unknownMember), 'InvalidArgumentException');
  const notJson = await signedPost(agent, server.url, '/describeStream', '{');
  assert.equal(errorType(notJson), 'InvalidArgumentException');
  const unknownOp = await signedPost(agent, server.url, '/describeChannel', '{}');
  assert.equal(unknownOp.status, 404);
  assert.equal(errorType(unknownOp), 'UnknownOperationException');

  await assert.rejects(
    client({ accessKeyId: 'AKIDUNKNOWN000000000', secretAccessKey: 'x' }).send(new ListStreamsCommand({})),
    named('UnrecognizedClientException', 403),
  );
  await assert.rejects(
    client({ ...EXAMPLE_KEYS, secretAccessKey: 'wrong' }).send(new ListStreamsCommand({})),
    named('InvalidSignatureException', 403),
  );
  const wrongSig = await signedPost(agent, server.url, '/listStreams', '{}', 'wrong');
  assert.equal(wrongSig.status, 403);
  assert.deepEqual(Object.keys(jsonBody(wrongSig)), ['message']);
  const unsigned = await rawRequest(agent, `${server.url}/listStreams`, { method: 'POST', body: '{}' });
  assert.equal(unsigned.status, 403);
  assert.equal(errorType(unsigned), 'MissingAuthenticationTokenException');
});

test('limits: a body over maxRequestBytes is 413 before it is read; a skewed clock is InvalidSignature', async (t) => {
  const { server, agent } = await startTestVideo(t);
  const big = await signedPost(
    agent,
    server.url,
    '/listStreams',
    JSON.stringify({ pad: 'x'.repeat(300_000) }),
  );
  assert.equal(big.status, 413);
  assert.equal(errorType(big), 'RequestEntityTooLargeException');

  const later = { now: () => new Date(Date.now() + 3_600_000) };
  const skewed = await startTestVideo(t, { clock: later });
  await assert.rejects(
    skewed.client().send(new ListStreamsCommand({})),
    named('InvalidSignatureException', 403),
  );
});
