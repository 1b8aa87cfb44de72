import assert from 'node:assert/strict';
import test from 'node:test';
import { shellQuote } from '../../util/shell-quote.js';
import { cdkContextArgs, longRunningFor, resolveCommand } from './substitutions.js';

const ctx = {
  camlink: '/repo/bin/camlink',
  cdkOut: '/tmp/r/cdk.out',
  atsRoot: "/tmp/r/pki/it's/ats.pem",
  cosMakeBucket: '/repo/cos-bucket-main.ts',
};

test('cdk bootstrap is skipped with a note', () => {
  const r = resolveCommand('npx cdk bootstrap aws://$ACCOUNT/$REGION', ctx);
  assert.equal(r.kind, 'skip');
});

test('cdk deploy becomes synth with the same context + the stand-in writing the outputs file', () => {
  const r = resolveCommand(
    'npx cdk deploy -c region=$REGION -c account=$ACCOUNT --require-approval never --outputs-file ../outputs.json',
    ctx,
  );
  assert.deepEqual(r, {
    kind: 'run',
    substitution: 'cdk deploy',
    text:
      "npx cdk synth --quiet -c region=$REGION -c account=$ACCOUNT -o '/tmp/r/cdk.out' && " +
      "'/repo/bin/camlink' rehearsal stack deploy --template '/tmp/r/cdk.out/camlink.template.json' --outputs ../outputs.json",
  });
  assert.throws(() => resolveCommand('npx cdk deploy -c region=x', ctx), /needs --outputs-file/);
});

test('cdk destroy becomes the stand-in destroy of the named stack', () => {
  const r = resolveCommand('npx cdk destroy -c region=$REGION -c stackName=other --force', ctx);
  assert.equal(
    r.kind === 'run' && r.text,
    "'/repo/bin/camlink' rehearsal stack destroy --template '/tmp/r/cdk.out/other.template.json'",
  );
});

test('the Amazon Root CA download copies the ATS root; other commands run as written', () => {
  const r = resolveCommand(
    'curl -fsS -o cam/AmazonRootCA1.pem https://www.amazontrust.com/repository/AmazonRootCA1.pem',
    ctx,
  );
  assert.equal(r.kind === 'run' && r.text, `cp '/tmp/r/pki/it'\\''s/ats.pem' cam/AmazonRootCA1.pem`);
  assert.deepEqual(resolveCommand('curl -fsS https://example.com', ctx), {
    kind: 'run',
    text: 'curl -fsS https://example.com',
    substitution: undefined,
  });
});

test('helpers: context args, quoting, long-running commands', () => {
  assert.deepEqual(cdkContextArgs('-c a=1 --force --context b=$X'), ['-c', 'a=1', '-c', 'b=$X']);
  assert.equal(shellQuote("a'b"), `'a'\\''b'`);
  assert.equal(longRunningFor('./bin/camlink backend --config backend.json', 1).kind, 'service');
  assert.equal(longRunningFor('./bin/camlink camera --device-id c', 1).name, 'camera');
  assert.equal(longRunningFor('./bin/camlink app watch --count 1', 1).kind, 'job');
  assert.throws(
    () => longRunningFor('./bin/camlink camera stream --duration 10', 7),
    /line 7: .* ready line/,
  );
});

test('the COS bucket is made by the CreateBucket stand-in on the COS host', () => {
  const r = resolveCommand('coscli mb cos://camlink-media-$APPID -e cos.$COS_REGION.myqcloud.com', ctx);
  assert.equal(
    r.kind === 'run' && r.text,
    "node '/repo/cos-bucket-main.ts' camlink-media-$APPID cos.$COS_REGION.myqcloud.com",
  );
});
