/**
 * The deployment manual's configuration examples are valid camlink configuration, and the files they
 * name are the ones the manual's own commands create (config paths are relative to the data dir).
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import test from 'node:test';
import { configSchema } from '../../src/config/schema.js';
import { inDataDir } from '../../src/config/paths.js';
import { defaultDeviceOutDir } from '../../src/pki/device.js';
import { BACKEND_THING_NAME } from '../../src/contracts/backend-policy.js';
import { REHEARSAL_TARGETS, planFor } from '../../src/rehearsal/run/manual.js';
import { fillPlaceholders, fillVariables, manualBlocks, writtenFiles } from './manual.js';

/** JSON examples, and the JSON files the runnable blocks write (variables filled with samples). */
const configs = [
  ...manualBlocks()
    .filter((block) => block.lang === 'json')
    .map((block) => ({ block, json: JSON.parse(fillPlaceholders(block.text)) as unknown })),
  ...writtenFiles()
    .filter((file) => file.path.endsWith('.json'))
    .map((file) => ({
      block: { ...file.block, line: file.line },
      json: JSON.parse(fillVariables(file.body)) as unknown,
    })),
];

test('every rehearsal target has variables and steps, and a teardown', () => {
  for (const target of REHEARSAL_TARGETS) {
    const plan = planFor(manualBlocks(), target);
    assert.ok(
      plan.vars.some((c) => c.text.startsWith('REGION=')),
      `${target}: REGION`,
    );
    assert.ok(
      plan.commands.some((c) => c.teardown),
      `${target}: teardown`,
    );
    assert.match(plan.commands.at(-1)?.text ?? '', /camlink aws teardown/, `${target}: ends with teardown`);
  }
});

test('the backend config is written for every target, where the backend command reads it', () => {
  for (const target of REHEARSAL_TARGETS) {
    const plan = planFor(manualBlocks(), target);
    const writes = plan.commands.filter((c) => /^cat > backend\.json /.test(c.text));
    assert.equal(writes.length, 1, `${target}: one backend.json`);
    assert.ok(
      plan.commands.some((c) => c.background && /camlink backend --config backend\.json$/.test(c.text)),
    );
  }
});

test('the manual has configuration examples', () => {
  assert.ok(configs.length >= 2, `found ${configs.length} json blocks`);
});

for (const { block, json } of configs) {
  test(`deploy.md line ${block.line} (${block.section}) is a valid configuration`, () => {
    const parsed = configSchema.safeParse(json);
    assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
    const config = parsed.data;
    const aws = config.backend.aws;
    const cwd = '/srv/camlink';
    // Where `camlink device create camlink-backend` (step 3) writes, from the same working directory.
    const dataDir = resolve(cwd, config.dataDir);
    const issued = defaultDeviceOutDir(dataDir);
    for (const [name, path] of [
      ['mqttCertFile', aws?.mqttCertFile],
      ['mqttKeyFile', aws?.mqttKeyFile],
    ] as const) {
      if (path === undefined) continue;
      const expected = join(issued, `${BACKEND_THING_NAME}.${name === 'mqttCertFile' ? 'cert' : 'key'}.pem`);
      assert.equal(inDataDir(dataDir, path), expected, `${name} ${path} (relative to the data dir)`);
    }
    // A cloud storage target is never served by the embedded platform's queue and IoT endpoint.
    if (config.backend.presigner === 'cos' && config.backend.cos?.endpoint === undefined) {
      assert.ok(aws !== undefined, 'a COS configuration needs backend.aws (queue, MQTT) too');
    }
  });
}
