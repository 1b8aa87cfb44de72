/**
 * `coscli mb cos://BUCKET-APPID -e cos.REGION.myqcloud.com` in a rehearsal (substitutions.ts): the
 * bucket made with CreateBucket on the COS host name (virtual-hosted, which the redirect leads to the
 * rehearsal's store), signed with the admin profile of AWS_SHARED_CREDENTIALS_FILE. Rehearsal only.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

const [bucket, endpoint] = process.argv.slice(2);
const region = /^cos\.([a-z0-9-]+)\.myqcloud\.com$/.exec(endpoint ?? '')?.[1];
if (bucket === undefined || !/^[a-z0-9-]{1,50}-\d{1,20}$/.test(bucket) || region === undefined) {
  process.stderr.write('usage: cos-bucket-main BUCKET-APPID cos.REGION.myqcloud.com\n');
  process.exit(2);
}
const client = new S3Client({ region, endpoint: `https://${endpoint}`, forcePathStyle: false });
try {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  process.stdout.write(`created cos://${bucket} (${endpoint})\n`);
} catch (err) {
  process.stderr.write(
    `coscli (rehearsal): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`,
  );
  process.exitCode = 1;
} finally {
  client.destroy();
}
