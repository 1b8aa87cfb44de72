/**
 * The CDK app: `cd infra && npx cdk synth [-c region=cn-north-1]`. Synth runs offline (no lookups, no
 * credentials); settings come from context (lib/context.ts). A refused setting (a bad context value,
 * a custom domain in China, a video region without KVS) ends synth with one line on stderr.
 */
import { App } from 'aws-cdk-lib';
import { CamlinkStack } from '../lib/camlink-stack.js';
import { camlinkStackSettings } from '../lib/context.js';

const app = new App();
try {
  const { stackName, props } = camlinkStackSettings(app.node);
  new CamlinkStack(app, stackName, props);
  app.synth();
} catch (err) {
  process.stderr.write(`camlink infra: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
