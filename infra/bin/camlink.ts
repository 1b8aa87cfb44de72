/**
 * The CDK app: `cd infra && npx cdk synth [-c region=cn-north-1]`. Synth runs offline (no lookups, no
 * credentials); settings come from context (lib/context.ts).
 */
import { App } from 'aws-cdk-lib';
import { CamlinkStack } from '../lib/camlink-stack.js';
import { camlinkStackSettings } from '../lib/context.js';

const app = new App();
const { stackName, props } = camlinkStackSettings(app.node);
new CamlinkStack(app, stackName, props);
app.synth();
