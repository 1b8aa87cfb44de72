/**
 * `camlink rehearsal ...`: tools of the deployment rehearsal (docs/rehearsal.md). `stack deploy` and
 * `stack destroy` play `cdk deploy` / `cdk destroy` for the synthesized template against the rehearsal's
 * cloud look-alike. Other rehearsal subcommands join `rehearsalChildren`.
 */
import { dirname, join } from 'node:path';
import { CamlinkError } from '../../errors/camlink-error.js';
import { deployStack } from '../../rehearsal/stack/deploy.js';
import { destroyStack } from '../../rehearsal/stack/destroy.js';
import { regionClients } from '../../rehearsal/stack/ports.js';
import { readState } from '../../rehearsal/stack/state.js';
import { loadTemplate, type LoadedTemplate } from '../../rehearsal/stack/template.js';
import { defineCommand, defineGroup, type CommandGroup, type Command } from '../command.js';
import { summaries } from './summaries.js';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;

const templateOption = {
  type: 'string',
  valueName: 'FILE',
  description: 'the synthesized template (cdk synth -o DIR: DIR/camlink.template.json)',
} as const;
const stateOption = {
  type: 'string',
  valueName: 'FILE',
  description: 'what was created (default: next to the template, <stack>.stack-state.json)',
} as const;

function requireTemplate(value: string | undefined): string {
  if (value === undefined) throw new CamlinkError('CLI_USAGE', '--template FILE is required');
  return value;
}

function statePathOf(loaded: LoadedTemplate, option: string | undefined): string {
  return option ?? join(dirname(loaded.path), `${loaded.stackName}.stack-state.json`);
}

const deploy = defineCommand({
  name: 'deploy',
  summary: "Create the template's resources through the AWS APIs (the rehearsal's `cdk deploy`).",
  description:
    'Resolves intrinsics and pseudo parameters, creates resources in dependency order with AWS SDK clients\n' +
    'that have only a region (credentials from the default chain), lists everything not rehearsed, and\n' +
    'prints the outputs as `cdk deploy --outputs-file` writes them, {"<stack>": {OutputKey: value}}\n' +
    '(also to --outputs). A failure rolls back\n' +
    '[STACK_DEPLOY_FAILED]; an unknown resource type fails before anything is created\n' +
    '[STACK_TEMPLATE_INVALID]. Same template again: no changes; another one: [STACK_EXISTS].',
  options: {
    template: templateOption,
    outputs: { type: 'string', valueName: 'FILE', description: 'also write the outputs JSON here' },
    region: {
      type: 'string',
      valueName: 'R',
      description: 'default: cdk.out/manifest.json, then AWS_REGION',
    },
    account: { type: 'string', valueName: 'ID', description: 'default: cdk.out/manifest.json' },
    state: stateOption,
  },
  async run(ctx) {
    const o = ctx.options;
    const loaded = await loadTemplate(requireTemplate(o.template));
    const region = o.region ?? loaded.environment?.region ?? ctx.io.env.AWS_REGION;
    if (region === undefined || !REGION.test(region))
      throw new CamlinkError(
        'CLI_USAGE',
        `--region is required and must be a region name (got ${region ?? 'none'})`,
      );
    const account = o.account ?? loaded.environment?.account;
    if (account === undefined || !ACCOUNT.test(account))
      throw new CamlinkError(
        'CLI_USAGE',
        `--account is required (12 digits) when cdk.out/manifest.json does not name it`,
      );
    const clients = regionClients(region);
    try {
      const report = await deployStack({
        loaded,
        region,
        account,
        clients,
        statePath: statePathOf(loaded, o.state),
        ...(o.outputs === undefined ? {} : { outputsPath: o.outputs }),
        log: (line) => ctx.io.stderr(`stack: ${line}\n`),
      });
      ctx.io.stderr(
        `stack: ${loaded.stackName} ${report.unchanged ? 'unchanged' : `created ${report.created.length} resources`}; not rehearsed: ${report.notRehearsed.length}\n`,
      );
      // As `cdk deploy --outputs-file` writes them: {"<stack>": {OutputKey: value}}.
      ctx.io.stdout(`${JSON.stringify({ [loaded.stackName]: report.outputs }, null, 2)}\n`);
    } finally {
      clients.destroy();
    }
  },
});

const destroy = defineCommand({
  name: 'destroy',
  summary: "Delete what `stack deploy` created, newest first (the rehearsal's `cdk destroy`).",
  description:
    'DeletionPolicy Retain resources are kept. A deletion that fails (e.g. an IoT policy still attached)\n' +
    'leaves the stack DELETE_FAILED: the rest that does not depend on it is deleted, the state file keeps\n' +
    'what remains, and the command exits 1 naming the resource [STACK_DESTROY_FAILED].',
  options: { template: templateOption, state: stateOption },
  async run(ctx) {
    const o = ctx.options;
    const loaded = await loadTemplate(requireTemplate(o.template));
    const statePath = statePathOf(loaded, o.state);
    const state = await readState(statePath);
    const clients = regionClients(state?.region ?? loaded.environment?.region ?? 'us-east-1');
    try {
      const report = await destroyStack({
        stackName: loaded.stackName,
        clients,
        statePath,
        log: (line) => ctx.io.stdout(`${line}\n`),
      });
      if (!report.absent)
        ctx.io.stdout(
          `stack ${loaded.stackName} deleted (${report.deleted.length} deleted, retained: ${report.retained.join(', ') || 'none'})\n`,
        );
    } finally {
      clients.destroy();
    }
  },
});

const stackGroup = defineGroup('stack', 'Play cdk deploy / cdk destroy of the synthesized template.', [
  deploy,
  destroy,
]);

/** The subcommands of `camlink rehearsal`; add siblings here. */
export const rehearsalChildren: (Command | CommandGroup)[] = [stackGroup];

export const rehearsalCommand = defineGroup('rehearsal', summaries.rehearsal, rehearsalChildren);
