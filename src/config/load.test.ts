import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from './load.js';
import { isCamlinkError } from '../errors/camlink-error.js';
import { tempDir } from '../../test/helpers/tmp.js';

test('defaults apply when nothing is configured', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.dataDir, '.camlink');
  assert.equal(config.pki.keyAlgorithm, 'ecdsa-p256');
  assert.equal(config.log.level, 'info');
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.pki));
});

test('file < env < flags, with env names mapped to nested keys', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'camlink.json');
  await writeFile(
    file,
    JSON.stringify({ dataDir: '/from-file', pki: { deviceValidityDays: 10, caValidityDays: 20 } }),
  );
  const config = loadConfig({
    file,
    env: { CAMLINK_DATA_DIR: '/from-env', CAMLINK_PKI__DEVICE_VALIDITY_DAYS: '11', HOME: '/ignored' },
    flags: { dataDir: '/from-flag' },
  });
  assert.equal(config.dataDir, '/from-flag');
  assert.equal(config.pki.deviceValidityDays, 11);
  assert.equal(config.pki.caValidityDays, 20);
});

test('CAMLINK_CONFIG names the file when no flag does', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'c.json');
  await writeFile(file, JSON.stringify({ pki: { keyAlgorithm: 'rsa-2048' } }));
  assert.equal(loadConfig({ env: { CAMLINK_CONFIG: file } }).pki.keyAlgorithm, 'rsa-2048');
});

test('unknown keys are rejected at every level, naming the key and its source', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'c.json');
  await writeFile(file, JSON.stringify({ pki: { keyAlgoritm: 'rsa-2048' } }));
  assert.throws(
    () => loadConfig({ file, env: {} }),
    (err) => isCamlinkError(err, 'CONFIG_INVALID') && /pki\.keyAlgoritm/.test(err.message),
  );
  assert.throws(
    () => loadConfig({ env: { CAMLINK_NOT_A_KEY: '1' } }),
    (err) => isCamlinkError(err, 'CONFIG_INVALID') && /CAMLINK_NOT_A_KEY/.test(err.message),
  );
  // The rehearsal's host map (the redirect preload reads it) is no configuration key and no error.
  assert.equal(loadConfig({ env: { CAMLINK_REHEARSAL_HOSTS: '/tmp/hosts.json' } }).dataDir, '.camlink');
  // Nor is the native cache of SQLite bindings (src/util/sqlite-binding.ts, .ci/node24-smoke).
  assert.equal(loadConfig({ env: { CAMLINK_NATIVE_DIR: '/tmp/native' } }).dataDir, '.camlink');
});

test('out-of-range values are errors, never clamped', () => {
  assert.throws(
    () => loadConfig({ env: { CAMLINK_PKI__SERVER_VALIDITY_DAYS: '5000' } }),
    (err) =>
      isCamlinkError(err, 'CONFIG_INVALID') &&
      /serverValidityDays/.test(err.message) &&
      /env/.test(err.message),
  );
  assert.throws(
    () => loadConfig({ env: { CAMLINK_PKI__CA_VALIDITY_DAYS: 'ten' } }),
    (err) => isCamlinkError(err, 'CONFIG_INVALID'),
  );
  assert.throws(
    () => loadConfig({ env: { CAMLINK_PKI__KEY_ALGORITHM: 'dsa' } }),
    (err) => isCamlinkError(err, 'CONFIG_INVALID'),
  );
  assert.throws(
    () => loadConfig({ env: { CAMLINK_PKI__DEVICE_ID_PATTERN: '([' } }),
    (err) => isCamlinkError(err, 'CONFIG_INVALID') && /regular expression/.test(err.message),
  );
});

test('array values come from JSON in the environment', () => {
  const config = loadConfig({ env: { CAMLINK_PKI__SERVER_SANS: '["cams.example.com","10.0.0.5"]' } });
  assert.deepEqual(config.pki.serverSans, ['cams.example.com', '10.0.0.5']);
  assert.throws(
    () => loadConfig({ env: { CAMLINK_PKI__SERVER_SANS: 'cams.example.com' } }),
    (err) => isCamlinkError(err, 'CONFIG_INVALID'),
  );
});

test('an unreadable or non-JSON file is CONFIG_FILE_UNREADABLE', async (t) => {
  const dir = await tempDir(t);
  const bad = join(dir, 'bad.json');
  await writeFile(bad, '{ "dataDir": ');
  assert.throws(
    () => loadConfig({ file: bad, env: {} }),
    (err) => isCamlinkError(err, 'CONFIG_FILE_UNREADABLE'),
  );
  assert.throws(
    () => loadConfig({ file: join(dir, 'missing.json'), env: {} }),
    (err) => isCamlinkError(err, 'CONFIG_FILE_UNREADABLE'),
  );
  await writeFile(bad, '[1,2]');
  assert.throws(
    () => loadConfig({ file: bad, env: {} }),
    (err) => isCamlinkError(err, 'CONFIG_FILE_UNREADABLE'),
  );
});

test('docs/configuration.md documents every key with its default', async () => {
  const { readFile } = await import('node:fs/promises');
  const doc = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const defaults = loadConfig({ env: {} });
  const leaves = (value: unknown, prefix: string): [string, unknown][] =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k))
      : [[prefix, value]];
  for (const [key, value] of leaves(defaults, '')) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
    assert.ok(row, `${key} is missing from docs/configuration.md`);
    const shown = Array.isArray(value) ? JSON.stringify(value) : String(value);
    assert.ok(row.includes(shown), `${key}: the documented default should be ${shown}`);
  }
});

test('storage section: defaults, access keys from JSON env, ranges and unknown keys', () => {
  const defaults = loadConfig({ env: {} });
  assert.equal(defaults.storage.region, 'us-east-1');
  assert.equal(defaults.storage.devHttp, false);
  assert.equal(defaults.storage.maxPresignExpirySeconds, 604_800);
  const keys = loadConfig({
    env: {
      CAMLINK_STORAGE__ACCESS_KEYS:
        '[{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}]',
      CAMLINK_STORAGE__PARTITION: 'aws-cn',
      CAMLINK_STORAGE__REGION: 'cn-north-1',
    },
  });
  assert.equal(keys.storage.accessKeys[0]?.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
  assert.equal(keys.storage.partition, 'aws-cn');
  for (const env of [
    { CAMLINK_STORAGE__MAX_PARTS: '10001' },
    { CAMLINK_STORAGE__MAX_PRESIGN_EXPIRY_SECONDS: '604801' },
    { CAMLINK_STORAGE__MAX_KEY_BYTES: '2048' },
    { CAMLINK_STORAGE__REGION: 'mars' },
    {
      CAMLINK_STORAGE__ACCESS_KEYS:
        '[{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"x","extra":1}]',
    },
  ]) {
    assert.throws(
      () => loadConfig({ env }),
      (err) => isCamlinkError(err, 'CONFIG_INVALID'),
      JSON.stringify(env),
    );
  }
});
