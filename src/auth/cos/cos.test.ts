/**
 * The COS worked examples (Tencent COS API "Request Signature", APPID 1250000000) and the SDK's own
 * signer against our verifier.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import COS from 'cos-nodejs-sdk-v5';
import { InMemoryCredentialStore } from '../credentials.js';
import { AuthError } from '../sigv4/errors.js';
import { headersFromRecord } from '../sigv4/headers.js';
import { parseQuery } from '../sigv4/encoding.js';
import { cosHttpString, cosKeyList, cosPairString, cosSignature, cosSignKey } from './signature.js';
import { verifyCos, type CosOptions } from './verify.js';

const SECRET_ID = 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q';
const SECRET_KEY = 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz';
const HOST = 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com';

function options(unixSeconds: number): CosOptions {
  return {
    credentials: new InMemoryCredentialStore([{ accessKeyId: SECRET_ID, secretAccessKey: SECRET_KEY }]),
    clock: { now: () => new Date(unixSeconds * 1000) },
    clockSkewSeconds: 900,
    maxExpirySeconds: 604_800,
  };
}

const uploadHeaders = [
  ['Content-Length', '13'],
  ['Content-MD5', 'mQ/fVh815F3k6TAUm8m0eg=='],
  ['Content-Type', 'text/plain'],
  ['Date', 'Thu, 16 May 2019 06:45:51 GMT'],
  ['Host', HOST],
  ['x-cos-acl', 'private'],
  ['x-cos-grant-read', 'uin="100000000011"'],
] as const;

test('COS upload example: SignKey eb2519b4..., header list, SHA1(HttpString) 8b2751e7..., signature 3b8851a1...', () => {
  assert.equal(cosSignKey(SECRET_KEY, '1557989151;1557996351'), 'eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f');
  assert.equal(
    cosKeyList(uploadHeaders),
    'content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read',
  );
  assert.equal(
    cosPairString(uploadHeaders),
    'content-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D&content-type=text%2Fplain&date=Thu%2C%2016%20May%202019%2006%3A45%3A51%20GMT&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private&x-cos-grant-read=uin%3D%22100000000011%22',
  );
  const input = {
    method: 'PUT',
    pathname: '/exampleobject(腾讯云)',
    params: [],
    headers: uploadHeaders,
    keyTime: '1557989151;1557996351',
  };
  assert.equal(
    cosHttpString(input).length > 0 && cosSignature(SECRET_KEY, input),
    '3b8851a11a569213c17ba8fa7dcf2abec6935172',
  );
  const authorization = `q-sign-algorithm=sha1&q-ak=${SECRET_ID}&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172`;
  const req = {
    method: 'PUT',
    pathname: '/exampleobject(腾讯云)',
    query: [],
    headers: headersFromRecord({ ...Object.fromEntries(uploadHeaders), authorization }),
  };
  assert.equal(verifyCos(req, options(1557989200)).presigned, false);
  assert.throws(
    () => verifyCos({ ...req, pathname: '/exampleobject(tencentcloud)' }, options(1557989200)),
    (err) => err instanceof AuthError && err.code === 'SignatureDoesNotMatch',
  );
  assert.throws(
    () => verifyCos(req, options(1557996352)),
    (err) => err instanceof AuthError && err.code === 'AccessDenied' && /expired/.test(err.message),
  );
});

test('cos-nodejs-sdk-v5 3.0.0 never signs Date: the upload example without it gives fc4e4717...', () => {
  const withoutDate = uploadHeaders.filter(([name]) => name !== 'Date');
  const auth = COS.getAuthorization({
    SecretId: SECRET_ID,
    SecretKey: SECRET_KEY,
    Method: 'put',
    Key: 'exampleobject(腾讯云)',
    Headers: Object.fromEntries(uploadHeaders),
    KeyTime: '1557989151;1557996351',
  });
  assert.match(
    auth,
    /q-header-list=content-length;content-md5;content-type;host;x-cos-acl;x-cos-grant-read&/,
  );
  assert.match(auth, /q-signature=fc4e4717b501da12715d5fc84a4880a87ad2b7ab$/);
  assert.equal(
    cosSignature(SECRET_KEY, {
      method: 'put',
      pathname: '/exampleobject(腾讯云)',
      params: [],
      headers: withoutDate,
      keyTime: '1557989151;1557996351',
    }),
    'fc4e4717b501da12715d5fc84a4880a87ad2b7ab',
  );
});

test('COS download example: SignKey 937914bf..., params, signature 01681b8c...', () => {
  assert.equal(cosSignKey(SECRET_KEY, '1557989753;1557996953'), '937914bf490e9e8c189836aad2052e4feeb35eaf');
  const query = parseQuery(
    'response-content-type=application%2Foctet-stream&response-cache-control=max-age%3D600',
  );
  assert.equal(cosKeyList(query), 'response-cache-control;response-content-type');
  const headers = [
    ['Date', 'Thu, 16 May 2019 06:55:53 GMT'],
    ['Host', HOST],
  ] as const;
  assert.equal(
    cosSignature(SECRET_KEY, {
      method: 'GET',
      pathname: '/exampleobject(腾讯云)',
      params: query,
      headers,
      keyTime: '1557989753;1557996953',
    }),
    '01681b8c9d798a678e43b685a9f1bba0f6c0e012',
  );
});

test('SDK presigned-PUT vector 64220dbb... (Key "videos/clip 1.mp4", host only), and getAuthorization agrees', () => {
  const host = 'examplebucket-1250000000.cos.ap-shanghai.myqcloud.com';
  const input = {
    method: 'put',
    pathname: '/videos/clip 1.mp4',
    params: [],
    headers: [['host', host]] as const,
    keyTime: '1700000000;1700003600',
  };
  assert.equal(cosSignature(SECRET_KEY, input), '64220dbba794e7795188b986ca404c8410b1f846');
  const auth = COS.getAuthorization({
    SecretId: SECRET_ID,
    SecretKey: SECRET_KEY,
    Method: 'put',
    Key: 'videos/clip 1.mp4',
    Headers: { host },
    KeyTime: '1700000000;1700003600',
  });
  assert.match(auth, /q-signature=64220dbba794e7795188b986ca404c8410b1f846$/);
  const verified = verifyCos(
    {
      method: 'PUT',
      pathname: '/videos/clip 1.mp4',
      query: parseQuery(auth.replace(/;/g, '%3B')),
      headers: headersFromRecord({ host }),
    },
    options(1700000100),
  );
  assert.equal(verified.presigned, true);
});
