/**
 * `camlink aws register-ca` and `camlink aws doctor` against the embedded platform's IoT, S3 and SQS
 * APIs (in-process CLI, official SDK clients to look at the result).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeleteRoleAliasCommand,
  DescribeCACertificateCommand,
  IoTClient,
  ListCACertificatesCommand,
  UpdateCACertificateCommand,
  UpdateRoleAliasCommand,
} from '@aws-sdk/client-iot';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CAMERA_ROLE_ALIAS } from '../../src/contracts/camera-role.js';
import { JITP_TEMPLATE_BODY } from '../../src/contracts/jitp-template.js';
import { sdkOptions } from '../helpers/aws.js';
import { cli, errorCodeOf } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { writeFile } from 'node:fs/promises';

interface JsonRegistration {
  result: string;
  'certificate id': string;
  'certificate ARN': string;
  status: string;
  'certificate mode': string;
  'auto-registration': string;
  'JITP template': string;
}

interface JsonDoctor {
  target: string;
  checks: { check: string; status: string; detail: string }[];
}

async function newCa(dir: string): Promise<void> {
  const run = await cli(['ca', 'init', '--data-dir', dir]);
  assert.equal(run.code, 0, run.stderr);
}

test('register-ca registers another operator CA with JITP, idempotently; --sni-only sends no verification', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const e = platform.endpoints;
  const iot = new IoTClient(sdkOptions(e.iot, await readFile(e.caPath), e.credentials));
  t.after(() => iot.destroy());

  const second = join(dir, 'second');
  await newCa(second);
  const first = await cli([
    'aws',
    'register-ca',
    '--data-dir',
    second,
    '--endpoints',
    platform.endpointsPath,
    '--json',
  ]);
  assert.equal(first.code, 0, first.stderr);
  const registered = JSON.parse(first.stdout) as JsonRegistration;
  assert.equal(registered.result, 'registered');
  assert.match(registered['certificate id'], /^[0-9a-f]{64}$/);
  assert.equal(registered.status, 'ACTIVE');
  assert.equal(registered['certificate mode'], 'DEFAULT');

  const described = await iot.send(
    new DescribeCACertificateCommand({ certificateId: registered['certificate id'] }),
  );
  assert.equal(described.certificateDescription?.status, 'ACTIVE');
  assert.equal(described.certificateDescription?.autoRegistrationStatus, 'ENABLE');
  assert.equal(described.certificateDescription?.certificateMode, 'DEFAULT');
  assert.equal(described.registrationConfig?.templateBody, JITP_TEMPLATE_BODY);
  assert.equal(described.registrationConfig?.roleArn, `arn:aws:iam::${e.accountId}:role/camlink-jitp`);
  assert.equal(
    described.certificateDescription?.certificatePem?.trim(),
    (await readFile(join(second, 'pki', 'ca.cert.pem'), 'utf8')).trim(),
  );

  // Again: reported, nothing registered twice, exit 0.
  const again = await cli([
    'aws',
    'register-ca',
    '--data-dir',
    second,
    '--endpoints',
    platform.endpointsPath,
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already registered/);
  assert.match(again.stdout, /status\s+ACTIVE/);
  assert.match(again.stdout, new RegExp(registered['certificate id']));
  const listed = await iot.send(new ListCACertificatesCommand({}));
  assert.equal(
    listed.certificates?.filter((c) => c.certificateId === registered['certificate id']).length,
    1,
  );

  // A third CA in SNI_ONLY mode, without JITP.
  const third = join(dir, 'third');
  await newCa(third);
  const sni = await cli([
    'aws',
    'register-ca',
    '--data-dir',
    third,
    '--endpoints',
    platform.endpointsPath,
    '--sni-only',
    '--no-jitp',
    '--json',
  ]);
  assert.equal(sni.code, 0, sni.stderr);
  const sniResult = JSON.parse(sni.stdout) as JsonRegistration;
  const sniDescribed = await iot.send(
    new DescribeCACertificateCommand({ certificateId: sniResult['certificate id'] }),
  );
  assert.equal(sniDescribed.certificateDescription?.certificateMode, 'SNI_ONLY');
  assert.equal(sniDescribed.certificateDescription?.status, 'ACTIVE');
  assert.equal(sniDescribed.certificateDescription?.autoRegistrationStatus, 'DISABLE');
  assert.equal(sniDescribed.registrationConfig, undefined);
  assert.equal(sniResult['JITP template'], 'none');

  // The platform's own CA (registered at start) is reported as already registered.
  const own = await cli(['aws', 'register-ca', '--data-dir', join(dir, 'platform'), '--embedded']);
  assert.equal(own.code, 0, own.stderr);
  assert.match(own.stdout, /already registered/);
});

test('register-ca: a CA registered otherwise is refused with what differs; --update sets it; the mode cannot change', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const e = platform.endpoints;
  const iot = new IoTClient(sdkOptions(e.iot, await readFile(e.caPath), e.credentials));
  t.after(() => iot.destroy());
  const ca = join(dir, 'ca');
  await newCa(ca);
  const registerCa = (...extra: string[]) =>
    cli(['aws', 'register-ca', '--data-dir', ca, '--endpoints', platform.endpointsPath, ...extra]);
  const first = await registerCa('--json');
  assert.equal(first.code, 0, first.stderr);
  const id = (JSON.parse(first.stdout) as JsonRegistration)['certificate id'];
  const describe = () => iot.send(new DescribeCACertificateCommand({ certificateId: id }));
  const jitpRole = `arn:aws:iam::${e.accountId}:role/camlink-jitp`;
  const otherRole = `arn:aws:iam::${e.accountId}:role/other-provisioning`;

  // Same request: exit 0, nothing changed.
  assert.equal((await registerCa()).code, 0);

  // Another certificate mode: refused, even with --update.
  for (const extra of [[], ['--update']]) {
    const mode = await registerCa('--sni-only', ...extra);
    assert.equal(mode.code, 1);
    assert.equal(errorCodeOf(mode), 'AWS_CA_DIFFERENT');
    assert.match(mode.stderr, /certificate mode is DEFAULT, asked SNI_ONLY/);
    assert.match(mode.stderr, /cannot change: run again with the registered mode \(without --sni-only\)/);
  }

  // Another JITP role: refused and left alone; --update sets it.
  const role = await registerCa('--role-arn', otherRole);
  assert.equal(errorCodeOf(role), 'AWS_CA_DIFFERENT');
  assert.match(role.stderr, new RegExp(`the JITP role is ${jitpRole}, asked ${otherRole}; pass --update`));
  assert.equal((await describe()).registrationConfig?.roleArn, jitpRole);
  const updated = await registerCa('--role-arn', otherRole, '--update', '--json');
  assert.equal(updated.code, 0, updated.stderr);
  assert.equal(
    (JSON.parse(updated.stdout) as JsonRegistration).result,
    'already registered, updated (UpdateCACertificate)',
  );
  assert.equal((await describe()).registrationConfig?.roleArn, otherRole);
  assert.equal((await describe()).registrationConfig?.templateBody, JITP_TEMPLATE_BODY);

  // INACTIVE: refused; --update activates it.
  await iot.send(new UpdateCACertificateCommand({ certificateId: id, newStatus: 'INACTIVE' }));
  const inactive = await registerCa('--role-arn', otherRole);
  assert.equal(errorCodeOf(inactive), 'AWS_CA_DIFFERENT');
  assert.match(inactive.stderr, /status is INACTIVE, asked ACTIVE/);
  assert.equal((await registerCa('--role-arn', otherRole, '--update')).code, 0);
  assert.equal((await describe()).certificateDescription?.status, 'ACTIVE');

  // --no-jitp against a CA with auto-registration: refused; --update disables it.
  const noJitp = await registerCa('--no-jitp');
  assert.equal(errorCodeOf(noJitp), 'AWS_CA_DIFFERENT');
  assert.match(noJitp.stderr, /auto-registration \(JITP\) is enabled, asked --no-jitp/);
  assert.equal((await registerCa('--no-jitp', '--update')).code, 0);
  assert.equal((await describe()).certificateDescription?.autoRegistrationStatus, 'DISABLE');

  // And back: JITP asked of a CA without auto-registration.
  const back = await registerCa();
  assert.equal(errorCodeOf(back), 'AWS_CA_DIFFERENT');
  assert.match(back.stderr, /auto-registration is DISABLE, asked ENABLE \(JITP\)/);
  assert.equal((await registerCa('--update')).code, 0);
  const final = await describe();
  assert.equal(final.certificateDescription?.autoRegistrationStatus, 'ENABLE');
  assert.equal(final.registrationConfig?.roleArn, jitpRole);
});

test('doctor: the embedded platform passes (OK or UNCHECKED with a reason); a deleted role alias fails it', async (t) => {
  const dir = await tempDir(t);
  const platformDir = join(dir, 'platform');
  const { platform } = await startTestPlatform(t, platformDir);
  const e = platform.endpoints;

  const ok = await cli(['aws', 'doctor', '--data-dir', platformDir, '--embedded']);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  const lines = ok.stdout.trim().split('\n');
  assert.equal(lines.length, 7);
  for (const line of lines) assert.match(line, /^(OK|UNCHECKED) +\S+ +\S/);
  assert.match(ok.stdout, /^OK +data-endpoint +iot:Data-ATS /m);
  assert.match(ok.stdout, /^OK +ca-registration +CA [0-9a-f]{12}… \(DEFAULT mode\) ACTIVE/m);
  assert.match(ok.stdout, /^OK +device-policy +camlink-device for arn:aws:iot:/m);
  assert.match(ok.stdout, /^OK +upload-rule +camlink_uploads -> sqs https:\/\/\S+\/camlink-uploads/m);
  assert.match(ok.stdout, /^OK +role-alias +camlink-camera -> arn:aws:iam::\d{12}:role\/camlink-camera/m);
  assert.match(
    ok.stdout,
    /^UNCHECKED +bucket-cors +bucket camlink-media: this object store does not implement bucket CORS/m,
  );
  assert.match(ok.stdout, /^OK +upload-queue +.* -> arn:aws:sqs:.*camlink-uploads-dlq after \d+ receives/m);

  const iot = new IoTClient(sdkOptions(e.iot, await readFile(e.caPath), e.credentials));
  t.after(() => iot.destroy());
  await iot.send(new DeleteRoleAliasCommand({ roleAlias: CAMERA_ROLE_ALIAS }));

  const failed = await cli(['aws', 'doctor', '--data-dir', platformDir, '--embedded', '--json']);
  assert.equal(failed.code, 1);
  assert.equal(errorCodeOf(failed), 'AWS_CHECK_FAILED');
  assert.match(failed.stderr, /1 of 7 checks failed: role-alias/);
  const report = JSON.parse(failed.stdout) as JsonDoctor;
  assert.equal(report.target, 'embedded');
  const byName = new Map(report.checks.map((c) => [c.check, c]));
  assert.equal(byName.get('role-alias')?.status, 'MISSING');
  assert.equal(byName.get('device-policy')?.status, 'OK');

  // An unknown bucket and queue are MISSING; another data dir's (unregistered) CA is MISSING.
  const other = join(dir, 'other');
  await newCa(other);
  const missing = await cli([
    'aws',
    'doctor',
    '--data-dir',
    other,
    '--endpoints',
    platform.endpointsPath,
    '--bucket',
    'no-such-bucket',
    '--queue-url',
    `${e.sqs}/000000000000/no-such-queue`,
    '--json',
  ]);
  assert.equal(missing.code, 1, missing.stderr);
  const checks = new Map((JSON.parse(missing.stdout) as JsonDoctor).checks.map((c) => [c.check, c.status]));
  assert.equal(checks.get('ca-registration'), 'MISSING');
  assert.equal(checks.get('upload-queue'), 'MISSING');
  assert.ok(['MISSING', 'UNCHECKED'].includes(checks.get('bucket-cors') ?? ''));
});

test('doctor reports DIFFERENT: inactive CA, policy of another account, foreign role, queue without DLQ', async (t) => {
  const dir = await tempDir(t);
  const platformDir = join(dir, 'platform');
  const { platform } = await startTestPlatform(t, platformDir);
  const e = platform.endpoints;
  const ca = await readFile(e.caPath);
  const iot = new IoTClient(sdkOptions(e.iot, ca, e.credentials));
  const sqs = new SQSClient(sdkOptions(e.sqs, ca, e.credentials));
  t.after(() => {
    iot.destroy();
    sqs.destroy();
  });
  const own = JSON.parse(
    (await cli(['aws', 'register-ca', '--data-dir', platformDir, '--embedded', '--json'])).stdout,
  ) as JsonRegistration;
  await iot.send(
    new UpdateCACertificateCommand({ certificateId: own['certificate id'], newStatus: 'INACTIVE' }),
  );
  await iot.send(
    new UpdateRoleAliasCommand({
      roleAlias: CAMERA_ROLE_ALIAS,
      roleArn: `arn:aws:iam::${e.accountId}:role/something-else`,
    }),
  );
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'no-dlq' }));

  const run = await cli([
    'aws',
    'doctor',
    '--data-dir',
    platformDir,
    '--embedded',
    '--queue-url',
    QueueUrl ?? '',
  ]);
  assert.equal(run.code, 1);
  assert.equal(errorCodeOf(run), 'AWS_CHECK_FAILED');
  assert.match(run.stdout, /^DIFFERENT +ca-registration +.*status INACTIVE, not ACTIVE/m);
  assert.match(run.stdout, /^DIFFERENT +role-alias +camlink-camera -> .*something-else, not /m);
  assert.match(run.stdout, /^DIFFERENT +upload-queue +.*no-dlq has no redrive policy/m);
  assert.match(run.stdout, /^OK +device-policy /m);

  // The contract rendered for another account is not what the platform holds.
  const other = await cli([
    'aws',
    'doctor',
    '--data-dir',
    platformDir,
    '--embedded',
    '--account',
    '111111111111',
  ]);
  assert.match(
    other.stdout,
    /^DIFFERENT +device-policy +camlink-device for arn:aws:iot:us-east-1:111111111111/m,
  );
});

test('aws usage errors are one coded line, before any network call', async (t) => {
  const dir = await tempDir(t);
  await newCa(dir);
  const cases: [string[], string, RegExp][] = [
    [['aws', 'register-ca', '--data-dir', dir, '--region', 'us-east-1'], 'CLI_USAGE', /--role-arn/],
    [['aws', 'register-ca', '--data-dir', dir, '--region', 'nowhere'], 'CLI_USAGE', /region/],
    [['aws', 'register-ca', '--data-dir', dir, '--role-arn', 'nope'], 'CLI_USAGE', /IAM role ARN/],
    [
      [
        'aws',
        'register-ca',
        '--data-dir',
        dir,
        '--no-jitp',
        '--role-arn',
        'arn:aws:iam::123456789012:role/x',
      ],
      'CLI_USAGE',
      /exclude/,
    ],
    [['aws', 'register-ca', '--data-dir', dir, '--no-jitp'], 'CLI_USAGE', /no AWS region/],
    [
      ['aws', 'doctor', '--data-dir', dir, '--region', 'eu-west-1', '--account', '12'],
      'CLI_USAGE',
      /12 digits/,
    ],
    [
      ['aws', 'doctor', '--data-dir', dir, '--region', 'eu-west-1', '--endpoint', 'ftp://x'],
      'CLI_USAGE',
      /URL/,
    ],
    [['aws', 'doctor', '--data-dir', dir, '--embedded'], 'FILE_UNREADABLE', /endpoints\.json/],
    [['aws', 'doctor', '--data-dir', dir, '--bogus'], 'CLI_USAGE', /bogus/],
    [
      ['aws', 'register-ca', '--data-dir', join(dir, 'empty'), '--region', 'cn-north-1', '--no-jitp'],
      'PKI_CA_NOT_FOUND',
      /ca init/,
    ],
  ];
  for (const [argv, code, message] of cases) {
    const run = await cli(argv);
    assert.equal(errorCodeOf(run), code, `${argv.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.equal(run.code, code === 'CLI_USAGE' ? 2 : 1);
  }
  const help = await cli(['aws', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /register-ca/);
  assert.match(help.stdout, /doctor/);
});

test("doctor knows the target: the COS bucket with backend.presigner cos, the JITP role, the rule's queue", async (t) => {
  const dir = await tempDir(t);
  const platformDir = join(dir, 'platform');
  const { platform } = await startTestPlatform(t, platformDir);
  const e = platform.endpoints;
  const doctor = async (...extra: string[]) => {
    const run = await cli(['aws', 'doctor', '--data-dir', platformDir, '--embedded', '--json', ...extra]);
    const checks = (JSON.parse(run.stdout) as JsonDoctor).checks;
    return { run, byName: new Map(checks.map((c) => [c.check, c])) };
  };

  // COS: the bucket <bucket>-<appId> through COS's S3-compatible API (here the embedded store as
  // backend.cos.endpoint), with the COS keys; not the S3 bucket.
  const cosConfig = join(dir, 'cos.json');
  await writeFile(
    cosConfig,
    JSON.stringify({
      backend: {
        presigner: 'cos',
        cos: {
          appId: '1250000000',
          region: e.region, // the embedded store signs for its own region
          secretId: e.credentials.accessKeyId,
          secretKey: e.credentials.secretAccessKey,
          endpoint: e.s3,
        },
      },
    }),
  );
  const cos = await doctor('--config', cosConfig);
  const cors = cos.byName.get('bucket-cors');
  assert.match(cors?.detail ?? '', /COS bucket camlink-media-1250000000\b/, JSON.stringify(cors));
  assert.ok(['UNCHECKED', 'MISSING'].includes(cors?.status ?? ''), JSON.stringify(cors));

  // COS without keys: UNCHECKED with the reason, S3 is not asked.
  const noKeys = join(dir, 'cos-no-keys.json');
  await writeFile(noKeys, JSON.stringify({ backend: { presigner: 'cos' } }));
  const unchecked = (await doctor('--config', noKeys)).byName.get('bucket-cors');
  assert.equal(unchecked?.status, 'UNCHECKED');
  assert.match(unchecked?.detail ?? '', /backend\.presigner is cos but backend\.cos .* is not configured/);

  // The CA's JITP role: any by default (reported), the given one with --jitp-role-arn.
  const role = `arn:aws:iam::${e.accountId}:role/camlink-jitp`;
  const ok = await doctor('--jitp-role-arn', role);
  assert.equal(ok.byName.get('ca-registration')?.status, 'OK');
  assert.match(
    ok.byName.get('ca-registration')?.detail ?? '',
    new RegExp(`\\(DEFAULT mode\\).*role ${role}$`),
  );
  const other = `arn:aws:iam::${e.accountId}:role/someone-else`;
  const wrong = await doctor('--jitp-role-arn', other);
  assert.equal(wrong.run.code, 1);
  assert.equal(wrong.byName.get('ca-registration')?.status, 'DIFFERENT');
  assert.match(
    wrong.byName.get('ca-registration')?.detail ?? '',
    new RegExp(`the JITP role is ${role}, not ${other}`),
  );
  const usage = await cli(['aws', 'doctor', '--data-dir', platformDir, '--embedded', '--jitp-role-arn', 'x']);
  assert.equal(errorCodeOf(usage), 'CLI_USAGE');
});
