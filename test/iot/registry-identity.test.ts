/**
 * The registry's answers to the endpoint about live sessions (RegistryIdentityResolver.refusedSince):
 * a fleet is checked with one query, a few sessions one by one, and both give the same answer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { RegistryIdentityResolver } from '../../src/iot/registry/identity.js';
import { IotRegistry } from '../../src/iot/registry/registry.js';
import { createLogger } from '../../src/log/logger.js';
import { initCa } from '../../src/pki/ca.js';
import { pkiContext } from '../../src/pki/context.js';
import { loadOrIssueIdentities } from '../../src/sim/identities.js';
import { tempDir } from '../helpers/tmp.js';

test('refusedSince names the certificates no longer ACTIVE, for a fleet and for a few alike', async (t) => {
  const dataDir = await tempDir(t);
  const config = loadConfig({ env: {}, flags: { dataDir } });
  const pki = pkiContext(dataDir, config.pki);
  await initCa(pki, { force: false });
  const identities = await loadOrIssueIdentities(pki, dataDir, 70, () => undefined);
  const registry = IotRegistry.open(join(dataDir, 'iot.db'), {
    partition: 'aws',
    region: 'us-east-1',
    account: '000000000000',
  });
  t.after(() => registry.close());
  const ids: string[] = [];
  for (const identity of identities) {
    const row = await registry.registerIssuedCertificate(identity.certificatePem, true);
    ids.push(row.certificateId);
  }
  const [revoked, deactivated] = ids;
  assert.ok(revoked !== undefined && deactivated !== undefined);
  registry.updateCertificate(revoked, 'REVOKED');
  registry.updateCertificate(deactivated, 'INACTIVE');
  const unknown = 'f'.repeat(64);
  const resolver = new RegistryIdentityResolver(registry, createLogger({ level: 'silent' }));

  const fleet = await resolver.refusedSince(new Set([...ids, unknown]));
  assert.deepEqual([...fleet].sort(), [revoked, deactivated, unknown].sort());
  const few = await resolver.refusedSince(new Set([revoked, ids[2] ?? '', unknown]));
  assert.deepEqual([...few].sort(), [revoked, unknown].sort());
  assert.equal(registry.activeCertificateIds().size, 68);
});
