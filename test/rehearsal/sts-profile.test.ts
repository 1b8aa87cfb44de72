/**
 * The SDK's own credential chain assumes a role through the embedded STS: a shared config profile with
 * `role_arn` + `source_profile`, clients with only `region`, STS reached at sts.<region>.amazonaws.com
 * through the redirect. S3, SQS and the IoT API accept the session within the role's policy and refuse
 * the rest;
 * with sts.maxSessionSeconds a few seconds and the server clock moved past Expiration, the first
 * session's keys get ExpiredToken while the SDK assumes the role again and keeps working.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cloudNames } from '../../src/rehearsal/names.js';
import { ok, runCloudClient, startRehearsal, globalTarget, chinaTarget, type StepResult } from './helpers.js';

class OffsetClock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

for (const target of [globalTarget, chinaTarget]) {
  test(`a role_arn profile works through STS and refreshes after expiry (${target.region})`, async (t) => {
    const p = target.partition;
    const roleArn = `arn:${p}:iam::000000000000:role/camlink-backend-rehearsal`;
    const clock = new OffsetClock();
    let assumed = 0;
    const world = await startRehearsal(t, target, {
      clock,
      onLog: (line) => {
        if (line.msg === 'AssumeRole') assumed += 1;
      },
      extra: {
        sts: {
          enabled: true,
          maxSessionSeconds: 5,
          roles: [
            {
              roleArn,
              trustedPrincipals: [`arn:${p}:iam::000000000000:root`],
              policies: [
                {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: ['s3:PutObject', 's3:GetObject'],
                      Resource: `arn:${p}:s3:::camlink-media/backend/*`,
                    },
                    {
                      Effect: 'Allow',
                      Action: 'iot:DescribeThing',
                      Resource: `arn:${p}:iot:${target.region}:000000000000:thing/camlink-*`,
                    },
                    {
                      Effect: 'Allow',
                      Action: 'sqs:SendMessage',
                      Resource: `arn:${p}:sqs:${target.region}:000000000000:camlink-uploads-dlq`,
                    },
                  ],
                },
              ],
            },
          ],
        },
      },
    });
    const { credentials } = world.platform.endpoints;
    assert.ok(world.platform.endpoints.sts?.startsWith('https://127.0.0.1:'));
    await writeFile(
      join(world.dir, 'config'),
      `[profile rehearsal]\nrole_arn = ${roleArn}\nsource_profile = base\nrole_session_name = backend\n`,
    );
    await writeFile(
      join(world.dir, 'credentials'),
      `[base]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const sqs = cloudNames(target).sqs;
    let assumedBefore = 0;
    const results = await runCloudClient(
      world,
      {
        region: target.region,
        steps: [
          { op: 'credentials' },
          { op: 's3.put', bucket: 'camlink-media', key: 'backend/a.txt', body: 'as the role' },
          { op: 's3.get', bucket: 'camlink-media', key: 'backend/a.txt' },
          { op: 'sqs.send', queueUrl: `https://${sqs}/000000000000/camlink-uploads-dlq`, body: 'hello' },
          { op: 's3.put', bucket: 'camlink-media', key: 'other/a.txt', body: 'outside the policy' },
          { op: 'sqs.send', queueUrl: `https://${sqs}/000000000000/camlink-uploads`, body: 'outside' },
          { op: 'wait' },
          { op: 'clock', offsetMs: 6_000 },
          { op: 's3.putRemembered', bucket: 'camlink-media', key: 'backend/late.txt', body: 'too late' },
          { op: 's3.put', bucket: 'camlink-media', key: 'backend/b.txt', body: 'after the refresh' },
          { op: 'credentials' },
          { op: 'iot.describeThing', thingName: 'camlink-backend' },
          { op: 'iot.listThings' },
        ],
      },
      {
        AWS_CONFIG_FILE: join(world.dir, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(world.dir, 'credentials'),
        AWS_PROFILE: 'rehearsal',
      },
      (result: StepResult, proceed) => {
        // Sessions are issued with a 5 s cap: move the platform's clock (and then the client's) past
        // their Expiration.
        if (result.i === 5) {
          assumedBefore = assumed;
          clock.offsetMs = 6_000;
          proceed();
        }
      },
    );
    const first = ok(results, 0) as { accessKeyId: string; expiration: string };
    assert.match(first.accessKeyId, /^ASIA/);
    assert.equal(ok(results, 1), null);
    assert.equal(ok(results, 2), 'as the role');
    assert.equal(typeof ok(results, 3), 'string');
    assert.equal(results[4]?.error?.name, 'AccessDenied', JSON.stringify(results[4]));
    assert.equal(results[5]?.ok, false);
    assert.match(results[5]?.error?.message ?? '', /not authorized to perform sqs:SendMessage/);
    assert.ok(assumedBefore >= 1);
    assert.equal(results[8]?.error?.name, 'ExpiredToken', JSON.stringify(results[8]));
    assert.equal(ok(results, 9), null);
    // The SDK assumed the role again after the expiry (the platform logged it), and kept working.
    assert.ok(assumed > assumedBefore, `${assumed} AssumeRole calls, ${assumedBefore} before the expiry`);
    const later = ok(results, 10) as { accessKeyId: string };
    assert.match(later.accessKeyId, /^ASIA/);
    assert.notEqual(later.accessKeyId, first.accessKeyId);
    // The IoT API holds the session to the role's policy too.
    assert.equal(ok(results, 11), 'camlink-backend');
    assert.equal(results[12]?.error?.name, 'AccessDeniedException', JSON.stringify(results[12]));
  });
}
