import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCamlinkError } from './service-error.js';
import { partitionOf } from './target.js';

const failure = (name: string, status: number | undefined) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
  });

test('a failed SDK call becomes a coded error: refused (4xx), no credentials, or upstream failure', () => {
  const refused = toCamlinkError('RegisterCACertificate', failure('CertificateValidationException', 400));
  assert.equal(refused.code, 'AWS_REQUEST_REFUSED');
  assert.equal(
    refused.message,
    'RegisterCACertificate: CertificateValidationException: CertificateValidationException happened',
  );
  assert.equal(
    toCamlinkError('GetRegistrationCode', failure('CredentialsProviderError', undefined)).code,
    'AWS_CREDENTIALS_MISSING',
  );
  assert.equal(
    toCamlinkError('DescribeCACertificate', failure('InternalFailureException', 500)).code,
    'UPSTREAM_FAILED',
  );
  assert.equal(
    toCamlinkError('DescribeCACertificate', failure('TimeoutError', undefined)).code,
    'UPSTREAM_FAILED',
  );
});

test('China regions are partition aws-cn', () => {
  assert.equal(partitionOf('cn-north-1'), 'aws-cn');
  assert.equal(partitionOf('cn-northwest-1'), 'aws-cn');
  assert.equal(partitionOf('eu-central-1'), 'aws');
});
