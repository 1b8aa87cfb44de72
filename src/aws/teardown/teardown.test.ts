/**
 * Teardown's ordering, dependencies and retries against an in-memory fake of IoT, KVS and S3 that keeps
 * AWS's rules (DeleteCertificate needs INACTIVE and nothing attached; DeleteCACertificate needs INACTIVE)
 * and can be told to be eventually consistent or to refuse a call. Delays are recorded, never slept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateSummary, IotPort, KvsPort, Page, S3Port, StreamSummary } from './ports.js';
import { isCamlinkError } from '../../errors/camlink-error.js';
import { runTeardown, failureOf } from './run.js';
import type { RetryPolicy } from './retry.js';

const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });
/** Runs a synchronous fake operation as the async port does: a throw becomes a rejection. */
function act(fn: () => void): Promise<void> {
  try {
    fn();
    return Promise.resolve();
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
const page = <T>(items: T[]): Promise<Page<T>> => Promise.resolve({ items, next: undefined });
const CA = 'ca'.padEnd(64, '0');

class FakeAws {
  caStatus: string | undefined = 'ACTIVE';
  readonly certs = new Map<string, { status: string; things: Set<string>; policies: Set<string> }>();
  readonly thingPrincipals = new Map<string, Set<string>>();
  readonly streams = new Map<string, StreamSummary>();
  readonly calls: string[] = [];
  /** DeleteCertificate answers DeleteConflictException this many more times (propagation delay). */
  conflictsLeft = 0;
  /** Operations that fail with AccessDeniedException. */
  readonly refuse = new Set<string>();

  arn = (id: string) => `arn:aws:iot:eu-west-1:123456789012:cert/${id}`;
  idOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

  addCamera(id: string, thing: string, policies: string[]): void {
    this.certs.set(id, { status: 'ACTIVE', things: new Set([thing]), policies: new Set(policies) });
    const principals = this.thingPrincipals.get(thing) ?? new Set<string>();
    principals.add(this.arn(id));
    this.thingPrincipals.set(thing, principals);
    this.streams.set(thing, { name: thing, arn: `arn:stream/${thing}`, status: 'ACTIVE' });
  }

  private call(op: string, detail: string): void {
    this.calls.push(`${op} ${detail}`);
    if (this.refuse.has(op)) throw awsError('AccessDeniedException', `not allowed: ${op}`);
  }

  private cert(id: string) {
    const c = this.certs.get(id);
    if (c === undefined) throw awsError('ResourceNotFoundException');
    return c;
  }

  iot(): IotPort {
    return {
      caStatus: () => Promise.resolve(this.caStatus),
      listCertificatesByCa: () =>
        page<CertificateSummary>(
          [...this.certs].map(([certificateId, c]) => ({
            certificateId,
            certificateArn: this.arn(certificateId),
            status: c.status,
          })),
        ),
      listPrincipalThings: (arn) => page([...this.cert(this.idOf(arn)).things]),
      listThingPrincipals: (thing) => page([...(this.thingPrincipals.get(thing) ?? [])]),
      listAttachedPolicies: (arn) => page([...this.cert(this.idOf(arn)).policies]),
      detachThingPrincipal: (thing, arn) =>
        act(() => {
          this.call('DetachThingPrincipal', thing);
          this.cert(this.idOf(arn)).things.delete(thing);
          this.thingPrincipals.get(thing)?.delete(arn);
        }),
      detachPolicy: (policy, arn) =>
        act(() => {
          this.call('DetachPolicy', policy);
          this.cert(this.idOf(arn)).policies.delete(policy);
        }),
      updateCertificate: (id, status) =>
        act(() => {
          this.call('UpdateCertificate', id);
          this.cert(id).status = status;
        }),
      deleteCertificate: (id) =>
        act(() => {
          this.call('DeleteCertificate', id);
          const c = this.cert(id);
          if (c.status === 'ACTIVE') throw awsError('CertificateStateException');
          if (c.things.size > 0 || c.policies.size > 0 || this.conflictsLeft-- > 0)
            throw awsError('DeleteConflictException');
          this.certs.delete(id);
        }),
      deleteThing: (thing) =>
        act(() => {
          this.call('DeleteThing', thing);
          if ((this.thingPrincipals.get(thing)?.size ?? 0) > 0) throw awsError('InvalidRequestException');
          this.thingPrincipals.delete(thing);
        }),
      updateCaCertificate: () =>
        act(() => {
          this.call('UpdateCACertificate', 'ca');
          this.caStatus = 'INACTIVE';
        }),
      deleteCaCertificate: () =>
        act(() => {
          this.call('DeleteCACertificate', 'ca');
          if (this.caStatus !== 'INACTIVE') throw awsError('CertificateStateException');
          this.caStatus = undefined;
        }),
    };
  }

  kvs(): KvsPort {
    return {
      listStreams: () => page([...this.streams.values()]),
      deleteStream: (arn) =>
        act(() => {
          const name = arn.slice(arn.lastIndexOf('/') + 1);
          this.call('DeleteStream', name);
          if (!this.streams.delete(name)) throw awsError('ResourceNotFoundException');
        }),
    };
  }
}

function recordingRetry(attempts = 6): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return { attempts, firstDelayMs: 1000, delay: (ms) => (waits.push(ms), Promise.resolve()), waits };
}

const input = { caCertificateId: CA, bucket: undefined, streamName: (thing: string) => thing };

function fleet(): FakeAws {
  const aws = new FakeAws();
  aws.addCamera('a'.repeat(64), 'cam-1', ['camlink-device']);
  aws.addCamera('b'.repeat(64), 'cam-2', ['camlink-device']);
  return aws;
}

test('dry run: lists in order (CA off, streams, per certificate detach/deactivate/delete, things, CA) and calls nothing', async () => {
  const aws = fleet();
  const report = await runTeardown({ iot: aws.iot(), kvs: aws.kvs(), s3: undefined }, input, {
    yes: false,
    retry: recordingRetry(),
    progress: () => {},
  });
  assert.equal(report.outcomes, undefined);
  assert.deepEqual(aws.calls, []);
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  assert.deepEqual(
    report.plan.steps.map((s) => `${s.operation} ${s.resource}`),
    [
      `UpdateCACertificate CA ${CA} -> INACTIVE`,
      'DeleteStream stream cam-1 (arn:stream/cam-1)',
      'DeleteStream stream cam-2 (arn:stream/cam-2)',
      `DetachThingPrincipal thing cam-1 from certificate ${a}`,
      `DetachPolicy policy camlink-device from certificate ${a}`,
      `UpdateCertificate certificate ${a} -> INACTIVE`,
      `DeleteCertificate certificate ${a}`,
      `DetachThingPrincipal thing cam-2 from certificate ${b}`,
      `DetachPolicy policy camlink-device from certificate ${b}`,
      `UpdateCertificate certificate ${b} -> INACTIVE`,
      `DeleteCertificate certificate ${b}`,
      'DeleteThing thing cam-1',
      'DeleteThing thing cam-2',
      `DeleteCACertificate CA ${CA}`,
    ],
  );
});

test('--yes: a DeleteConflictException while the detach propagates is retried with doubling delays', async () => {
  const aws = fleet();
  aws.conflictsLeft = 2;
  const retry = recordingRetry();
  const report = await runTeardown({ iot: aws.iot(), kvs: aws.kvs(), s3: undefined }, input, {
    yes: true,
    retry,
    progress: () => {},
  });
  assert.ok(report.outcomes?.every((o) => o.result === 'done'));
  assert.deepEqual(retry.waits, [1000, 2000]);
  assert.equal(aws.certs.size, 0);
  assert.equal(aws.thingPrincipals.size, 0);
  assert.equal(aws.streams.size, 0);
  assert.equal(aws.caStatus, undefined);
  assert.equal(failureOf(report), undefined);

  // Idempotent: a second run finds nothing.
  const again = await runTeardown({ iot: aws.iot(), kvs: aws.kvs(), s3: undefined }, input, {
    yes: true,
    retry,
    progress: () => {},
  });
  assert.deepEqual(again.plan.steps, []);
  assert.match(again.plan.notes.join('\n'), /is not registered/);
});

test('retries are bounded: a conflict that never clears fails after the last attempt', async () => {
  const aws = fleet();
  aws.conflictsLeft = Infinity;
  const retry = recordingRetry(4);
  const report = await runTeardown({ iot: aws.iot(), kvs: aws.kvs(), s3: undefined }, input, {
    yes: true,
    retry,
    progress: () => {},
  });
  assert.deepEqual(retry.waits, [1000, 2000, 4000, 1000, 2000, 4000]);
  const failed = report.outcomes?.filter((o) => o.result === 'failed').map((o) => o.operation);
  assert.deepEqual(failed, ['DeleteCertificate', 'DeleteCertificate']);
  const error = failureOf(report);
  assert.equal(error?.code, 'AWS_TEARDOWN_FAILED');
  assert.match(error?.message ?? '', /certificate a{64}: DeleteCertificate: DeleteConflictException/);
});

test('a refused call is named, the steps waiting on it are skipped, the rest goes on; a rerun finishes', async () => {
  const aws = fleet();
  aws.refuse.add('DeleteStream');
  const lines: string[] = [];
  const ports = { iot: aws.iot(), kvs: aws.kvs(), s3: undefined };
  const report = await runTeardown(ports, input, {
    yes: true,
    retry: recordingRetry(),
    progress: (l) => lines.push(l),
  });
  const byResult = (r: string) =>
    report.outcomes?.filter((o) => o.result === r).map((o) => `${o.operation} ${o.resource.split(' ')[1]}`);
  assert.deepEqual(byResult('failed'), ['DeleteStream cam-1', 'DeleteStream cam-2']);
  // The cameras' things stay attached (a rerun finds their streams again) and so the CA stays.
  assert.deepEqual(byResult('skipped'), [
    'DetachThingPrincipal cam-1',
    `DeleteCertificate ${'a'.repeat(64)}`,
    'DetachThingPrincipal cam-2',
    `DeleteCertificate ${'b'.repeat(64)}`,
    'DeleteThing cam-1',
    'DeleteThing cam-2',
    `DeleteCACertificate ${CA}`,
  ]);
  assert.ok(aws.calls.includes('DetachPolicy camlink-device'), 'independent steps still ran');
  assert.match(
    lines.join('\n'),
    /DeleteStream stream cam-1 .*: FAILED DeleteStream: AccessDeniedException: not allowed/,
  );
  assert.match(failureOf(report)?.message ?? '', /2 step\(s\) failed and 7 waiting on them were skipped/);

  aws.refuse.clear();
  const rerun = await runTeardown(ports, input, { yes: true, retry: recordingRetry(), progress: () => {} });
  assert.ok(rerun.outcomes?.every((o) => o.result === 'done'));
  assert.equal(aws.certs.size, 0);
  assert.equal(aws.streams.size, 0);
  assert.equal(aws.caStatus, undefined);
});

test('a thing that also has a principal of another CA is detached but kept', async () => {
  const aws = fleet();
  aws.thingPrincipals.get('cam-1')?.add('arn:aws:iot:eu-west-1:123456789012:cert/other');
  const report = await runTeardown({ iot: aws.iot(), kvs: aws.kvs(), s3: undefined }, input, {
    yes: true,
    retry: recordingRetry(),
    progress: () => {},
  });
  assert.ok(!report.plan.steps.some((s) => s.resource === 'thing cam-1'));
  assert.match(report.plan.notes.join('\n'), /thing cam-1 keeps 1 principal\(s\) of another CA/);
  assert.deepEqual(
    [...(aws.thingPrincipals.get('cam-1') ?? [])],
    ['arn:aws:iot:eu-west-1:123456789012:cert/other'],
  );
});

test('bucket: without ListObjectVersions the objects are listed with ListObjectsV2; uploads aborted; bucket deleted last', async () => {
  const objects = new Set(['a.jpg', 'b.jpg']);
  const uploads = new Map([['u1', 'c.mp4']]);
  let exists = true;
  const calls: string[] = [];
  const s3: S3Port = {
    bucketExists: () => Promise.resolve(exists),
    listObjectVersions: () => Promise.reject(awsError('NotImplemented')),
    listObjects: () => page([...objects].map((key) => ({ key, versionId: undefined }))),
    deleteObject: (_b, o) => act(() => void (calls.push(`DeleteObject ${o.key}`), objects.delete(o.key))),
    listMultipartUploads: () => page([...uploads].map(([uploadId, key]) => ({ uploadId, key }))),
    abortMultipartUpload: (_b, u) =>
      act(() => void (calls.push(`Abort ${u.uploadId}`), uploads.delete(u.uploadId))),
    deleteBucket: () =>
      act(() => {
        calls.push('DeleteBucket');
        if (objects.size > 0 || uploads.size > 0) throw awsError('BucketNotEmpty');
        exists = false;
      }),
  };
  const aws = new FakeAws();
  aws.caStatus = undefined;
  const report = await runTeardown(
    { iot: aws.iot(), kvs: undefined, s3 },
    { ...input, bucket: 'media' },
    { yes: true, retry: recordingRetry(), progress: () => {} },
  );
  assert.deepEqual(
    report.plan.steps.map((s) => `${s.operation} ${s.resource}`),
    [
      'AbortMultipartUpload 1 multipart upload(s) in bucket media',
      'DeleteObject 2 object(s) in bucket media',
      'DeleteBucket bucket media',
    ],
  );
  assert.deepEqual(calls, ['Abort u1', 'DeleteObject a.jpg', 'DeleteObject b.jpg', 'DeleteBucket']);
  assert.equal(exists, false);
  assert.match(report.plan.notes.join('\n'), /no ListObjectVersions/);
});

test('a listing that fails stops the plan with a coded error naming the operation; nothing is deleted', async () => {
  const aws = fleet();
  const iot = aws.iot();
  const denied = Object.assign(awsError('AccessDeniedException', 'no iot:ListCertificatesByCA'), {
    $metadata: { httpStatusCode: 403 },
  });
  await assert.rejects(
    runTeardown(
      { iot: { ...iot, listCertificatesByCa: () => Promise.reject(denied) }, kvs: aws.kvs(), s3: undefined },
      input,
      { yes: true, retry: recordingRetry(), progress: () => {} },
    ),
    (err: unknown) =>
      isCamlinkError(err, 'AWS_REQUEST_REFUSED') &&
      err.message === 'ListCertificatesByCA: AccessDeniedException: no iot:ListCertificatesByCA',
  );
  assert.deepEqual(aws.calls, []);
});
