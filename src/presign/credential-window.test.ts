/**
 * Presigners with credential sources: keys that rotate are followed (each URL is signed with the
 * source's current keys, token included), a URL never outlives its keys (refresh first, then shorten),
 * and keys about to expire are refused (PRESIGN_CREDENTIALS_EXPIRING). Verified with our own verifiers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryCredentialStore } from '../auth/credentials.js';
import { parseQuery } from '../auth/sigv4/encoding.js';
import { AuthError } from '../auth/sigv4/errors.js';
import { headersFromRecord } from '../auth/sigv4/headers.js';
import { verifySigV4 } from '../auth/sigv4/verify.js';
import { verifyCos } from '../auth/cos/verify.js';
import { isCamlinkError } from '../errors/camlink-error.js';
import { createCosPresigner, type CosCredentials } from './cos.js';
import { createS3Presigner, type AwsSigningCredentials } from './s3.js';

class Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
}

/** Issues new temporary keys on every call, each valid for `lifetimeMs` from the clock's now. */
function rotatingAws(clock: Clock, lifetimeMs: number) {
  const issued: (AwsSigningCredentials & { forced: boolean })[] = [];
  const source = (options?: { forceRefresh?: boolean }) => {
    const n = issued.length + 1;
    const creds = {
      accessKeyId: `ASIAROTATING${String(n).padStart(8, '0')}`,
      secretAccessKey: `rotating-secret-${n}-0123456789abcdef`,
      sessionToken: `session-token-${n}`,
      expiration: new Date(clock.ms + lifetimeMs),
      forced: options?.forceRefresh === true,
    };
    issued.push(creds);
    return Promise.resolve(creds);
  };
  return { issued, source };
}

test('S3 presigner follows a rotating provider: new keys and token per URL, URL ends before its keys', async () => {
  const clock = new Clock(Date.parse('2026-12-07T12:00:00Z'));
  const { issued, source } = rotatingAws(clock, 60_000);
  const presigner = createS3Presigner({ region: 'us-east-1', credentials: source, clock });
  const first = await presigner.presign({
    method: 'PUT',
    bucket: 'uploads',
    key: 'a.jpg',
    expiresInSeconds: 900,
  });
  clock.ms += 61_000; // past the first keys' expiration
  const second = await presigner.presign({
    method: 'GET',
    bucket: 'uploads',
    key: 'a.jpg',
    expiresInSeconds: 900,
  });
  const [u1, u2] = [new URL(first.url), new URL(second.url)];
  const keyOf = (u: URL) => (u.searchParams.get('X-Amz-Credential') ?? '').split('/')[0];
  assert.notEqual(keyOf(u1), keyOf(u2), 'each URL is signed with the keys current at signing time');
  assert.notEqual(u1.searchParams.get('X-Amz-Security-Token'), u2.searchParams.get('X-Amz-Security-Token'));
  for (const [url, presigned] of [
    [u1, first],
    [u2, second],
  ] as const) {
    const creds = issued.find((c) => c.accessKeyId === keyOf(url));
    assert.ok(creds, 'signed with keys the provider issued');
    assert.equal(url.searchParams.get('X-Amz-Security-Token'), creds.sessionToken);
    assert.ok(presigned.expiresAt.getTime() <= creds.expiration!.getTime(), 'the URL ends before its keys');
    const lifetime = Number(url.searchParams.get('X-Amz-Expires'));
    const signedAt = Date.parse(
      (url.searchParams.get('X-Amz-Date') ?? '').replace(
        /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      ),
    );
    assert.equal(
      signedAt + lifetime * 1000,
      presigned.expiresAt.getTime(),
      'X-Amz-Expires is the shortened lifetime',
    );
    assert.ok(lifetime < 900 && lifetime >= 30);
  }
  assert.ok(
    issued.some((c) => c.forced),
    'short-lived keys were force-refreshed before shortening the URL',
  );

  // The store accepts the second URL with its token until the URL's (shortened) expiry, not after.
  const store = new InMemoryCredentialStore(
    issued.map(({ forced: _f, ...c }) => ({ ...c, expiresAt: c.expiration })),
  );
  const verify = (at: number) =>
    verifySigV4(
      {
        method: 'GET',
        rawPath: u2.pathname,
        query: parseQuery(u2.search.slice(1)),
        headers: headersFromRecord({ host: u2.host }),
      },
      {
        service: 's3',
        region: 'us-east-1',
        s3: true,
        credentials: store,
        clock: { now: () => new Date(at) },
        clockSkewSeconds: 900,
        maxExpirySeconds: 604_800,
      },
    );
  verify(clock.ms + 1_000);
  assert.throws(
    () => verify(second.expiresAt.getTime() + 1_000),
    (err) => err instanceof AuthError,
  );
});

test('S3 presigner: keys that cover the asked lifetime are used as they are; keys about to expire are refused', async () => {
  const clock = new Clock(Date.parse('2026-12-07T12:00:00Z'));
  const long = rotatingAws(clock, 3_600_000);
  const presigner = createS3Presigner({ region: 'us-east-1', credentials: long.source, clock });
  const put = await presigner.presign({ method: 'PUT', bucket: 'uploads', key: 'a', expiresInSeconds: 900 });
  assert.equal(long.issued.length, 1, 'no refresh when the keys outlive the URL');
  assert.equal(put.expiresAt.getTime(), clock.ms + 900_000);

  const dying = rotatingAws(clock, 20_000);
  const refusing = createS3Presigner({ region: 'us-east-1', credentials: dying.source, clock });
  await assert.rejects(
    refusing.presign({ method: 'PUT', bucket: 'uploads', key: 'a', expiresInSeconds: 900 }),
    (err) => isCamlinkError(err, 'PRESIGN_CREDENTIALS_EXPIRING'),
  );
  assert.deepEqual(
    dying.issued.map((c) => c.forced),
    [false, true],
    'one forced refresh before refusing',
  );
});

test('COS presigner follows a rotating key source: current x-cos-security-token, URL ends before its keys', async () => {
  const clock = new Clock(Date.parse('2026-12-07T12:00:00Z'));
  const issued: CosCredentials[] = [];
  const source = () => {
    const n = issued.length + 1;
    const keys = {
      secretId: `AKIDtemporary000000${n}`,
      secretKey: `temporary-secret-key-${n}-0123456789`,
      securityToken: `cos-token-${n}`,
      expiration: new Date(clock.ms + 120_000),
    };
    issued.push(keys);
    return Promise.resolve(keys);
  };
  const presigner = createCosPresigner({
    appId: '1250000000',
    region: 'ap-shanghai',
    credentials: source,
    clock,
  });
  const first = await presigner.presign({
    method: 'PUT',
    bucket: 'media',
    key: 'a.jpg',
    expiresInSeconds: 600,
  });
  clock.ms += 121_000;
  const second = await presigner.presign({
    method: 'PUT',
    bucket: 'media',
    key: 'a.jpg',
    expiresInSeconds: 600,
  });
  const [u1, u2] = [new URL(first.url), new URL(second.url)];
  assert.notEqual(u1.searchParams.get('q-ak'), u2.searchParams.get('q-ak'));
  assert.notEqual(u1.searchParams.get('x-cos-security-token'), u2.searchParams.get('x-cos-security-token'));
  const store = new InMemoryCredentialStore(
    issued.map((k) => ({
      accessKeyId: k.secretId,
      secretAccessKey: k.secretKey,
      sessionToken: k.securityToken!,
      expiresAt: k.expiration!,
    })),
  );
  for (const [url, presigned] of [
    [u1, first],
    [u2, second],
  ] as const) {
    const keys = issued.find((k) => k.secretId === url.searchParams.get('q-ak'));
    assert.ok(keys);
    assert.equal(url.searchParams.get('x-cos-security-token'), keys.securityToken);
    assert.ok(presigned.expiresAt.getTime() <= keys.expiration!.getTime(), 'the URL ends before its keys');
  }
  const request = (url: URL, dropToken = false) => ({
    method: 'PUT',
    pathname: '/a.jpg',
    query: parseQuery(url.search.slice(1)).filter(([n]) => !dropToken || n !== 'x-cos-security-token'),
    headers: headersFromRecord({ host: url.host }),
  });
  const options = { credentials: store, clock, clockSkewSeconds: 900, maxExpirySeconds: 604_800 };
  verifyCos(request(u2), options);
  assert.throws(
    () => verifyCos(request(u2, true), options),
    (err) => err instanceof AuthError && err.code === 'InvalidToken',
    'a temporary SecretId is accepted only with its token',
  );
});

test('a source with only short-lived keys is force-refreshed at most every 30 s, unless its keys are about to be refused', async () => {
  const clock = new Clock(Date.parse('2026-12-07T12:00:00Z'));
  let forced = 0;
  let expiration = new Date(clock.ms + 120_000);
  const source = (options?: { forceRefresh?: boolean }) => {
    if (options?.forceRefresh === true) forced += 1;
    return Promise.resolve({
      accessKeyId: 'ASIASHORTLIVED000001',
      secretAccessKey: 'short-lived-secret-0000',
      expiration,
    });
  };
  const presigner = createS3Presigner({ region: 'us-east-1', credentials: source, clock });
  const presign = () =>
    presigner.presign({ method: 'GET', bucket: 'uploads', key: 'a', expiresInSeconds: 900 });
  await presign();
  clock.ms += 10_000;
  const second = await presign();
  assert.equal(forced, 1, 'no second forced refresh within 30 s');
  assert.equal(second.expiresAt.getTime(), expiration.getTime() - 10_000);
  clock.ms += 21_000;
  await presign();
  assert.equal(forced, 2, 'forced again after 30 s');
  expiration = new Date(clock.ms + 35_000);
  clock.ms += 1_000;
  await assert.rejects(presign(), (err) => isCamlinkError(err, 'PRESIGN_CREDENTIALS_EXPIRING'));
  assert.equal(forced, 3, 'keys about to be refused are force-refreshed whatever the interval');
});
