/**
 * The CAM role of docs/deploy.md §4 in a rehearsal: the manual has the operator create, in the Tencent
 * console, a role limited to the media bucket that `tccli sts AssumeRole` (the backend's COS
 * credentialProcess) assumes. The rehearsal creates its stand-in in the rehearsal's IAM with the same
 * limits (object reads, writes and deletes in `<bucket>-<appid>`, listing it so a missing object is a
 * 404), trusted by the account, and a shared-config profile `rehearsal-cam-<name>` that assumes it, which
 * the tccli shim (cos-keys-main.ts) uses. Rehearsal only.
 *
 * usage: cos-role-main ROLE_NAME BUCKET-APPID PARTITION ACCOUNT
 */
import { appendFile } from 'node:fs/promises';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';

const [roleName, bucket, partition, account] = process.argv.slice(2);
const configFile = process.env.AWS_CONFIG_FILE;
if (
  roleName === undefined ||
  !/^[\w+=,.@-]{1,64}$/.test(roleName) ||
  bucket === undefined ||
  !/^[a-z0-9-]{1,50}-\d{1,20}$/.test(bucket) ||
  (partition !== 'aws' && partition !== 'aws-cn') ||
  account === undefined ||
  !/^\d{12}$/.test(account) ||
  configFile === undefined
) {
  process.stderr.write(
    'usage: cos-role-main ROLE_NAME BUCKET-APPID aws|aws-cn ACCOUNT (AWS_CONFIG_FILE set)\n',
  );
  process.exit(2);
}
const iam = new IAMClient({ region: partition === 'aws-cn' ? 'cn-north-1' : 'us-east-1' });
const roleArn = `arn:${partition}:iam::${account}:role/${roleName}`;
try {
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:${partition}:iam::${account}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'media-bucket',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
            Resource: `arn:${partition}:s3:::${bucket}/*`,
          },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:${partition}:s3:::${bucket}` },
        ],
      }),
    }),
  );
  await appendFile(
    configFile,
    `\n[profile rehearsal-cam-${roleName}]\nrole_arn = ${roleArn}\nsource_profile = default\n`,
  );
  process.stdout.write(`CAM role stand-in ${roleArn}: objects of ${bucket}\n`);
} catch (err) {
  process.stderr.write(
    `cos role (rehearsal): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`,
  );
  process.exitCode = 1;
} finally {
  iam.destroy();
}
