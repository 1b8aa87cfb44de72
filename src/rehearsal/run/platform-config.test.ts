import assert from 'node:assert/strict';
import test from 'node:test';
import { configSchema } from '../../config/schema.js';
import type { PublicPkiFiles } from '../pki.js';
import { REHEARSAL_SESSION_SECONDS, rehearsalPlatformConfig, rehearsalSections } from './platform-config.js';

const files: PublicPkiFiles = {
  publicRootCert: '/p/public-root.cert.pem',
  atsRootCert: '/p/ats-root.cert.pem',
  publicServerCert: '/p/public-server.cert.pem',
  publicServerKey: '/p/public-server.key.pem',
  atsServerCert: '/p/ats-server.cert.pem',
  atsServerKey: '/p/ats-server.key.pem',
};

test('the COS target: China IoT names, S3 and COS virtual hosts, short STS sessions; a valid config', () => {
  const input = rehearsalPlatformConfig(
    {
      partition: 'aws-cn',
      region: 'cn-north-1',
      account: '210987654321',
      iotEndpointPrefix: 'c3d4e5f6g7h8i9',
      cos: { appId: '1250000000', region: 'ap-shanghai' },
    },
    files,
  );
  const config = configSchema.parse(input);
  assert.equal(config.iot.accountId, '210987654321');
  assert.deepEqual(config.storage.virtualHostDomains, [
    'localhost',
    's3.cn-north-1.amazonaws.com.cn',
    'cos.ap-shanghai.myqcloud.com',
  ]);
  assert.equal(config.tls.advertise.iotData, 'c3d4e5f6g7h8i9.ats.iot.cn-north-1.amazonaws.com.cn');
  assert.equal(config.sts.enabled, true);
  assert.equal(config.sts.maxSessionSeconds, REHEARSAL_SESSION_SECONDS);
});

test('sections of parts merged later appear only when the schema knows their keys', () => {
  assert.deepEqual(rehearsalSections(new Set(['iot'])), {});
  assert.deepEqual(rehearsalSections(new Set(['cloudAccount', 'iam'])), {
    cloudAccount: { enabled: true },
    iam: { enabled: true },
  });
});
