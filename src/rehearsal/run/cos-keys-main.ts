/**
 * `tccli sts AssumeRole ...` in a rehearsal (the shim environment.ts puts first on PATH runs this):
 * prints Tencent-STS-shaped keys of the profile camlink-backend (CAMLINK_COS_KEYS_PROFILE to change it)
 * in the IoT region (CAMLINK_COS_KEYS_REGION, which the shim sets). The arguments (RoleArn, session name) name the
 * Tencent role and are ignored: the rehearsal's STS hands out the backend role's session.
 */
import { cosKeys } from './cos-keys.js';

const profile = process.env.CAMLINK_COS_KEYS_PROFILE ?? 'camlink-backend';
const region = process.env.CAMLINK_COS_KEYS_REGION ?? 'cn-north-1';
try {
  process.stdout.write(`${JSON.stringify(await cosKeys({ profile, region }))}\n`);
} catch (err) {
  process.stderr.write(`tccli (rehearsal): ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
