/**
 * `camlink rehearsal stack deploy|destroy` from the command line: usage errors, a template with an
 * unknown resource type fails before any AWS call, environment from cdk.out/manifest.json, and destroy
 * of a stack never deployed has nothing to do. (test/rehearsal/stack.test.ts applies a real template.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, errorCodeOf } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

test('rehearsal stack: usage, unknown resource types, manifest environment, destroy of nothing', async (t) => {
  const dir = await tempDir(t);
  const noTemplate = await cli(['rehearsal', 'stack', 'deploy']);
  assert.equal(errorCodeOf(noTemplate), 'CLI_USAGE');

  const template = join(dir, 'demo.template.json');
  await writeFile(
    template,
    JSON.stringify({ Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: {} } } }),
  );
  const noRegion = await cli(['rehearsal', 'stack', 'deploy', '--template', template], { AWS_REGION: '' });
  assert.equal(errorCodeOf(noRegion), 'CLI_USAGE');
  assert.match(noRegion.stderr, /--region is required/);

  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        demo: {
          type: 'aws:cloudformation:stack',
          environment: 'aws://123456789012/cn-north-1',
          properties: { templateFile: 'demo.template.json' },
        },
      },
    }),
  );
  const unknown = await cli(['rehearsal', 'stack', 'deploy', '--template', template]);
  assert.notEqual(unknown.code, 0);
  assert.equal(errorCodeOf(unknown), 'STACK_TEMPLATE_INVALID');
  assert.match(
    unknown.stderr,
    /resource Fn: type AWS::Lambda::Function is not known to the rehearsal stand-in/,
  );

  const destroy = await cli(['rehearsal', 'stack', 'destroy', '--template', template]);
  assert.equal(destroy.code, 0, destroy.stderr);
  assert.match(destroy.stdout, /stack demo is not deployed .*nothing to delete/);

  const help = await cli(['rehearsal', '--help']);
  assert.match(help.stdout + help.stderr, /stack/);
});
