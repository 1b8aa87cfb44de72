/**
 * The explicit, documented substitutions of `npm run rehearse`: the manual's commands that cannot run on
 * one machine without AWS (the CDK's deploy and destroy, downloads from Amazon, Tencent's CLI) and what
 * runs instead. Every other command runs exactly as written. Also the table of long-running commands:
 * started in the background and awaited on their ready line.
 */
import { CamlinkError } from '../../errors/camlink-error.js';
import { shellQuote } from '../../util/shell-quote.js';

export interface SubstitutionContext {
  /** Absolute path of bin/camlink. */
  readonly camlink: string;
  /** Absolute directory `cdk synth` writes the template into. */
  readonly cdkOut: string;
  /** The rehearsal's ATS root certificate (stands for Amazon Root CA 1). */
  readonly atsRoot: string;
  /** Absolute path of the COS CreateBucket stand-in (cos-bucket-main.ts). */
  readonly cosMakeBucket: string;
}

export type Resolved =
  | { readonly kind: 'skip'; readonly note: string }
  | { readonly kind: 'run'; readonly text: string; readonly substitution: string | undefined };

export interface Substitution {
  readonly name: string;
  /** What the manual says, and what runs instead (for the README and `--list-substitutions`). */
  readonly manual: string;
  readonly rehearsal: string;
  readonly pattern: RegExp;
  apply(match: RegExpExecArray, ctx: SubstitutionContext): Resolved;
}

/** The `-c key=value` arguments of a cdk command line (values kept for the shell to expand). */
export function cdkContextArgs(args: string): string[] {
  const out: string[] = [];
  const words = args.trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    if ((words[i] === '-c' || words[i] === '--context') && i + 1 < words.length) out.push('-c', words[++i]!);
  }
  return out;
}

function optionValue(args: string, option: string): string | undefined {
  const words = args.trim().split(/\s+/);
  const at = words.indexOf(option);
  return at >= 0 ? words[at + 1] : undefined;
}

function templatePath(ctx: SubstitutionContext, args: string): string {
  const named = cdkContextArgs(args).find((a) => a.startsWith('stackName='));
  const stack = named === undefined ? 'camlink' : named.slice('stackName='.length);
  return shellQuote(`${ctx.cdkOut}/${stack}.template.json`);
}

export const SUBSTITUTIONS: readonly Substitution[] = [
  {
    name: 'cdk bootstrap',
    manual: 'npx cdk bootstrap aws://ACCOUNT/REGION',
    rehearsal: 'skipped: the stand-in deploys the template through the SDK and needs no bootstrap stack',
    pattern: /^npx cdk bootstrap\b/,
    apply: () => ({
      kind: 'skip',
      note: 'no bootstrap stack in a rehearsal (the stand-in deploys directly)',
    }),
  },
  {
    name: 'cdk deploy',
    manual: 'npx cdk deploy -c ... --outputs-file F',
    rehearsal:
      'npx cdk synth -c ... -o CDK_OUT, then camlink rehearsal stack deploy --template CDK_OUT/camlink.template.json --outputs F (CDK outputs-file shape {"camlink": {...}})',
    pattern: /^npx cdk deploy\b(.*)$/s,
    apply(match, ctx) {
      const args = match[1] ?? '';
      const outputs = optionValue(args, '--outputs-file');
      if (outputs === undefined) {
        throw new CamlinkError('CONFIG_INVALID', 'docs/deploy.md: npx cdk deploy needs --outputs-file F');
      }
      const synth = ['npx', 'cdk', 'synth', '--quiet', ...cdkContextArgs(args), '-o', shellQuote(ctx.cdkOut)];
      const deploy = [
        shellQuote(ctx.camlink),
        'rehearsal',
        'stack',
        'deploy',
        '--template',
        templatePath(ctx, args),
      ];
      return {
        kind: 'run',
        text: `${synth.join(' ')} && ${deploy.join(' ')} --outputs ${outputs}`,
        substitution: 'cdk deploy',
      };
    },
  },
  {
    name: 'cdk destroy',
    manual: 'npx cdk destroy -c ... --force',
    rehearsal: 'camlink rehearsal stack destroy --template CDK_OUT/camlink.template.json',
    pattern: /^npx cdk destroy\b(.*)$/s,
    apply: (match, ctx) => ({
      kind: 'run',
      text: `${shellQuote(ctx.camlink)} rehearsal stack destroy --template ${templatePath(ctx, match[1] ?? '')}`,
      substitution: 'cdk destroy',
    }),
  },
  {
    name: 'Amazon Root CA 1',
    manual: 'curl -o F https://www.amazontrust.com/repository/AmazonRootCA1.pem',
    rehearsal: "cp the rehearsal's ATS root (public-pki/ats-root.cert.pem) to F",
    pattern: /^curl\b.*?\s-o\s+(\S+)\s+https:\/\/www\.amazontrust\.com\/repository\/AmazonRootCA1\.pem\s*$/,
    apply: (match, ctx) => ({
      kind: 'run',
      text: `cp ${shellQuote(ctx.atsRoot)} ${match[1] ?? ''}`,
      substitution: 'Amazon Root CA 1',
    }),
  },
  {
    name: 'COS bucket',
    manual: 'coscli mb cos://BUCKET-APPID -e cos.REGION.myqcloud.com (or the COS console)',
    rehearsal: 'CreateBucket on the COS host name through the SDK (src/rehearsal/run/cos-bucket-main.ts)',
    pattern: /^coscli mb cos:\/\/(\S+)\s+-e\s+(\S+)\s*$/,
    apply: (match, ctx) => ({
      kind: 'run',
      text: `node ${shellQuote(ctx.cosMakeBucket)} ${match[1] ?? ''} ${match[2] ?? ''}`,
      substitution: 'COS bucket',
    }),
  },
];

/**
 * Substitutions of the environment rather than of a command line: the manual's text runs unchanged.
 */
export const ENVIRONMENT_SUBSTITUTIONS: readonly { manual: string; rehearsal: string }[] = [
  {
    manual: './bin/camlink, cd infra (the repository root as working directory)',
    rehearsal:
      'a work directory per target: bin, src, node_modules, package.json, tsconfig.json linked to the repository, infra copied',
  },
  {
    manual: 'tccli sts AssumeRole ... (the COS credentialProcess the backend runs)',
    rehearsal:
      'a tccli shim first on PATH (cos-keys-main.ts): Tencent-STS-shaped keys of a rehearsal-STS session of the stand-in for the CAM role, which the rehearsal creates in its IAM limited to the COS bucket (cos-role-main.ts), as §4 has the operator create it in the console',
  },
  {
    manual: '~/.aws/config, the SDK default credential chain',
    rehearsal:
      "AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE in the target's directory: profile default = the account admin",
  },
];

export function resolveCommand(text: string, ctx: SubstitutionContext): Resolved {
  for (const substitution of SUBSTITUTIONS) {
    const match = substitution.pattern.exec(text);
    if (match) return substitution.apply(match, ctx);
  }
  return { kind: 'run', text, substitution: undefined };
}

export interface LongRunning {
  readonly name: string;
  readonly pattern: RegExp;
  /** Printed (stdout or stderr) once it serves. */
  readonly ready: RegExp;
  /** service: runs until the teardown; job: awaited by the manual's `wait`. */
  readonly kind: 'service' | 'job';
}

export const LONG_RUNNING: readonly LongRunning[] = [
  { name: 'backend', pattern: /camlink backend\b/, ready: /listening https?:\/\//, kind: 'service' },
  { name: 'camera', pattern: /camlink camera(?! stream)\b/, ready: /^camera ready: /m, kind: 'service' },
  { name: 'app watch', pattern: /camlink app watch\b/, ready: /watching events/, kind: 'job' },
];

/**
 * The long-running entry of a background command (in `table`, default the manual's); a background
 * command not in the table is refused, naming `document` and the line.
 */
export function longRunningFor(
  text: string,
  line: number,
  table: readonly LongRunning[] = LONG_RUNNING,
  document = 'docs/deploy.md',
): LongRunning {
  const found = table.find((entry) => entry.pattern.test(text));
  if (found === undefined) {
    throw new CamlinkError(
      'CONFIG_INVALID',
      `${document} line ${line}: "${text}" runs in the background but the runner does not know its ready line`,
    );
  }
  return found;
}
