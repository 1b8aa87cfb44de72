/**
 * SigV2 against the embedded store: it accepts SigV4 only, like S3 in the regions opened after 2014, and
 * answers a SigV2 pre-signed URL or `Authorization: AWS AKID:sig` header as S3 does there (400
 * InvalidRequest "Please use AWS4-HMAC-SHA256"), not as an anonymous request. The URLs come from the real
 * producers of SigV2 (boto3's generate_presigned_url and the AWS CLI v1's `aws s3 presign`, both SigV2 by
 * default) and from a hand-built signature; the same tools configured for s3v4 (docs/aws-cli.md) work.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, startTestStore, type TestStore } from '../helpers/storage.js';
import { rawRequest, s3Code, type RawResponse } from '../helpers/https.js';
import { tempDir } from '../helpers/tmp.js';

const SIGV2_REFUSAL =
  '<Code>InvalidRequest</Code><Message>The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.</Message>';

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', env }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 127;
      resolve({ code, stdout: stdout.trim(), stderr });
    });
  });
}

/** The test's credentials and config file, none of the user's AWS_* settings (profile, region, token). */
function awsEnv(dir: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return {
    ...env,
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
  };
}

async function storeWithObject(t: TestContext): Promise<TestStore> {
  const store = await startTestStore(t);
  await store.client().send(new CreateBucketCommand({ Bucket: 'media' }));
  await store.client().send(new PutObjectCommand({ Bucket: 'media', Key: 'cam-1/a b.jpg', Body: 'jpeg' }));
  return store;
}

function assertSigV2Refused(res: RawResponse): void {
  assert.equal(res.status, 400, res.body.toString());
  assert.ok(res.body.toString().includes(SIGV2_REFUSAL), res.body.toString());
}

const BOTO3 = `
import os, sys, boto3
from botocore.config import Config
s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',
                  config=Config(signature_version=sys.argv[2]))
print(s3.generate_presigned_url('get_object', Params={'Bucket': 'media', 'Key': 'cam-1/a b.jpg'}, ExpiresIn=300))
`;

test('boto3: a SigV2 pre-signed URL is refused as S3 refuses it (400 InvalidRequest), s3v4 works', async (t) => {
  const dir = await tempDir(t);
  if ((await run('python3', ['-c', 'import boto3'], awsEnv(dir))).code !== 0) {
    t.skip('python3 with boto3 is not installed (pip install boto3)');
    return;
  }
  const { server, agent } = await storeWithObject(t);
  const presign = async (signatureVersion: string) => {
    const out = await run('python3', ['-c', BOTO3, server.url, signatureVersion], awsEnv(dir));
    assert.equal(out.code, 0, out.stderr);
    return out.stdout;
  };
  const v2 = await presign('s3');
  assert.match(v2, /[?&]AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=[^&]+&Expires=\d+$/);
  assertSigV2Refused(await rawRequest(agent, v2, { method: 'GET' }));

  const v4 = await presign('s3v4');
  assert.match(v4, /X-Amz-Algorithm=AWS4-HMAC-SHA256/);
  const ok = await rawRequest(agent, v4, { method: 'GET' });
  assert.equal(ok.status, 200, ok.body.toString());
  assert.equal(ok.body.toString(), 'jpeg');
});

test('AWS CLI v1: `aws s3 presign` is SigV2 and refused until `aws configure set default.s3.signature_version s3v4`', async (t) => {
  const dir = await tempDir(t);
  const env = awsEnv(dir);
  const version = await run('aws', ['--version'], env);
  if (version.code !== 0) {
    t.skip('the AWS CLI is not installed');
    return;
  }
  const { server, agent } = await storeWithObject(t);
  const presign = async () => {
    const out = await run(
      'aws',
      ['s3', 'presign', 's3://media/cam-1/a b.jpg', '--endpoint-url', server.url, '--expires-in', '300'],
      env,
    );
    assert.equal(out.code, 0, out.stderr);
    return out.stdout;
  };
  const before = await presign();
  if (before.includes('X-Amz-Algorithm=')) {
    // AWS CLI v2 signs with SigV4 by default: nothing to refuse.
    t.diagnostic(`${version.stdout.trim()} presigns with SigV4 by default`);
  } else {
    assert.match(before, /[?&]AWSAccessKeyId=/);
    assertSigV2Refused(await rawRequest(agent, before, { method: 'GET' }));
  }
  const set = await run('aws', ['configure', 'set', 'default.s3.signature_version', 's3v4'], env);
  assert.equal(set.code, 0, set.stderr);
  const after = await presign();
  assert.match(after, /X-Amz-Algorithm=AWS4-HMAC-SHA256/);
  const ok = await rawRequest(agent, after, { method: 'GET' });
  assert.equal(ok.status, 200, ok.body.toString());
  assert.equal(ok.body.toString(), 'jpeg');
});

test('hand-built SigV2: query and Authorization header are refused with InvalidRequest, anonymous stays AccessDenied', async (t) => {
  const { server, agent } = await storeWithObject(t);
  const resource = '/media/cam-1/a%20b.jpg';
  const expires = Math.floor(Date.now() / 1000) + 300;
  // S3 "Signing and authenticating REST requests": HMAC-SHA1 over VERB, MD5, type, Expires/Date, resource.
  const sign = (stringToSign: string) =>
    createHmac('sha1', SECRET_ACCESS_KEY).update(stringToSign, 'utf8').digest('base64');
  const querySignature = sign(`GET\n\n\n${expires}\n/media/cam-1/a b.jpg`);
  const url = `${server.url}${resource}?AWSAccessKeyId=${ACCESS_KEY_ID}&Expires=${expires}&Signature=${encodeURIComponent(querySignature)}`;
  assertSigV2Refused(await rawRequest(agent, url, { method: 'GET' }));

  const date = new Date().toUTCString();
  const headerSignature = sign(`PUT\n\ntext/plain\n${date}\n/media/cam-1/b.txt`);
  const put = await rawRequest(agent, `${server.url}/media/cam-1/b.txt`, {
    method: 'PUT',
    headers: {
      date,
      'content-type': 'text/plain',
      authorization: `AWS ${ACCESS_KEY_ID}:${headerSignature}`,
    },
    body: 'text',
  });
  assertSigV2Refused(put);

  const anonymous = await rawRequest(agent, `${server.url}${resource}`, { method: 'GET' });
  assert.equal(anonymous.status, 403);
  assert.equal(s3Code(anonymous.body), 'AccessDenied');
});
