/**
 * A target's rehearsal environment: the operator's work directory (a checkout's view: bin/, src/,
 * node_modules/ linked to the repository, infra/ copied so that `cd infra` and `../outputs.json` stay in
 * the work directory), the AWS config and credentials files
 * with the account's admin profile, the host map, the `tccli` shim, and the environment of every client
 * process the manual starts (the redirect preload, the public root as an extra CA). Nothing of the
 * caller's own AWS settings reaches those processes.
 */
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Endpoints } from '../../contracts/endpoints.js';
import { hostMapFor } from '../host-map.js';
import type { CloudTarget } from '../names.js';
import type { PublicPkiFiles } from '../pki.js';
import { HOSTS_ENV } from '../redirect.js';
import { shellQuote } from '../../util/shell-quote.js';

export interface RehearsalEnvironment {
  readonly workDir: string;
  readonly hostsFile: string;
  readonly awsConfigFile: string;
  readonly env: NodeJS.ProcessEnv;
}

/** What a work directory links to the repository, so `./bin/camlink` runs from it as from a checkout. */
export const CHECKOUT_LINKS = ['bin', 'src', 'node_modules', 'package.json', 'tsconfig.json'] as const;

/** Makes `workDir` look like the repository's root (CHECKOUT_LINKS as symbolic links). */
export async function linkCheckout(repoDir: string, workDir: string): Promise<void> {
  await mkdir(workDir, { recursive: true });
  for (const name of CHECKOUT_LINKS) await symlink(join(repoDir, name), join(workDir, name));
}

/** Variables of the caller kept for client processes; everything AWS_* and NODE_* is replaced. */
const KEPT = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TERM', 'USER', 'npm_config_cache'];

export async function prepareEnvironment(options: {
  readonly repoDir: string;
  readonly dir: string;
  readonly target: CloudTarget;
  readonly endpoints: Omit<Endpoints, 'api'>;
  readonly pki: PublicPkiFiles;
  readonly base?: NodeJS.ProcessEnv;
}): Promise<RehearsalEnvironment> {
  const { repoDir, dir, target, endpoints, pki } = options;
  const base = options.base ?? process.env;
  const workDir = join(dir, 'work');
  await linkCheckout(repoDir, workDir);
  // A copy: processes resolve relative paths from the physical directory (a link would lead them into
  // the repository), and cdk writes cdk.out/ and cdk.context.json beside cdk.json.
  await cp(join(repoDir, 'infra'), join(workDir, 'infra'), {
    recursive: true,
    filter: (source) => !/[/\\](cdk\.out|cdk\.context\.json|node_modules)$/.test(source),
  });

  // What the machine's system roots stand for: the public root (S3, SQS, STS, KVS, COS, IAM) and the
  // ATS root (Amazon Root CA 1 is in every system store: the backend's MQTT session relies on it).
  const systemRoots = join(dir, 'system-roots.pem');
  await writeFile(
    systemRoots,
    `${await readFile(pki.publicRootCert, 'utf8')}${await readFile(pki.atsRootCert, 'utf8')}`,
  );

  const hostsFile = join(dir, 'hosts.json');
  await writeFile(hostsFile, `${JSON.stringify(hostMapFor(target, endpoints), null, 2)}\n`, { mode: 0o600 });

  // The account's admin: the platform's own key pair (profile default), region of the target.
  const awsDir = join(dir, 'aws');
  await mkdir(awsDir, { mode: 0o700 });
  const awsConfigFile = join(awsDir, 'config');
  const credentialsFile = join(awsDir, 'credentials');
  await writeFile(awsConfigFile, `[default]\nregion = ${target.region}\n\n`, { mode: 0o600 });
  await writeFile(
    credentialsFile,
    `[default]\naws_access_key_id = ${endpoints.credentials.accessKeyId}\naws_secret_access_key = ${endpoints.credentials.secretAccessKey}\n`,
    { mode: 0o600 },
  );

  // tccli (the COS credentialProcess) answers with keys from the rehearsal's STS.
  const shimDir = join(dir, 'shim');
  await mkdir(shimDir);
  const cosKeys = join(repoDir, 'src', 'rehearsal', 'run', 'cos-keys-main.ts');
  await writeFile(
    join(shimDir, 'tccli'),
    `#!/bin/sh\n# rehearsal stand-in for "tccli sts AssumeRole": see src/rehearsal/run/substitutions.ts\nCAMLINK_COS_KEYS_REGION=${target.region} exec node ${shellQuote(cosKeys)} "$@"\n`,
    { mode: 0o755 },
  );

  const kept = Object.fromEntries(KEPT.flatMap((k) => (base[k] === undefined ? [] : [[k, base[k]]])));
  const env: NodeJS.ProcessEnv = {
    ...kept,
    PATH: `${shimDir}:${join(repoDir, 'node_modules', '.bin')}:${base.PATH ?? '/usr/bin:/bin'}`,
    NODE_OPTIONS: `--import ${join(repoDir, 'bin', 'rehearsal-preload.mjs')}`,
    [HOSTS_ENV]: hostsFile,
    NODE_EXTRA_CA_CERTS: systemRoots,
    AWS_CONFIG_FILE: awsConfigFile,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
  };
  return { workDir, hostsFile, awsConfigFile, env };
}
