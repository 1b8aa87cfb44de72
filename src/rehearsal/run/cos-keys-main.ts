/**
 * `tccli sts AssumeRole --RoleArn qcs::cam::uin/<uin>:roleName/<name> ...` in a rehearsal (the shim
 * environment.ts puts first on PATH runs this): prints Tencent-STS-shaped keys of a session of the
 * rehearsal's stand-in for that CAM role (cos-role-main.ts made it and the profile
 * `rehearsal-cam-<name>` that assumes it), in the IoT region (CAMLINK_COS_KEYS_REGION, set by the shim).
 */
import { cosKeys } from './cos-keys.js';

const args = process.argv.slice(2);
const roleArn = args[args.indexOf('--RoleArn') + 1] ?? '';
const roleName = /^qcs::cam::uin\/\d+:roleName\/([\w+=,.@-]{1,64})$/.exec(roleArn)?.[1];
if (args.slice(0, 2).join(' ') !== 'sts AssumeRole' || roleName === undefined) {
  process.stderr.write(
    'tccli (rehearsal): only `tccli sts AssumeRole --RoleArn qcs::cam::uin/<uin>:roleName/<name>`\n',
  );
  process.exit(2);
}
const profile = `rehearsal-cam-${roleName}`;
const region = process.env.CAMLINK_COS_KEYS_REGION ?? 'cn-north-1';
try {
  process.stdout.write(`${JSON.stringify(await cosKeys({ profile, region }))}\n`);
} catch (err) {
  process.stderr.write(`tccli (rehearsal): ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
