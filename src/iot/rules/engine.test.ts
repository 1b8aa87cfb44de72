import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import {
  RulesEngine,
  type RuleDefinition,
  type RuleErrorInfo,
  type RuleMessage,
  type RulesEngineDeps,
} from './engine.js';
import { isCamlinkError } from '../../errors/camlink-error.js';
import { UPLOAD_RULE_NAME, UPLOAD_RULE_SQL } from '../../contracts/upload-rule.js';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const QUEUE = 'http://127.0.0.1:9324/000000000000/uploads';

function message(topic: string, payload: unknown, clientId?: string): RuleMessage {
  return {
    topic,
    payload: Buffer.from(JSON.stringify(payload)),
    timestamp: T0,
    ...(clientId === undefined ? {} : { clientId }),
  };
}

/** Records what the actions did; `failQueue` / `failRepublish` make the sinks reject. */
function fakeDeps(options: { failQueue?: (url: string) => boolean; failRepublish?: boolean } = {}) {
  const sent: { queueUrl: string; body: string }[] = [];
  const published: { topic: string; payload: string; qos: 0 | 1 }[] = [];
  const errors: RuleErrorInfo[] = [];
  const deps: RulesEngineDeps = {
    queue: {
      sendMessage: (queueUrl, body) => {
        if (options.failQueue?.(queueUrl) === true)
          return Promise.reject(new Error(`The specified queue does not exist: ${queueUrl}`));
        sent.push({ queueUrl, body });
        return Promise.resolve();
      },
    },
    republish: (topic, payload, qos) => {
      if (options.failRepublish === true) return Promise.reject(new Error('broker closed'));
      published.push({ topic, payload: payload.toString(), qos });
      return Promise.resolve();
    },
    onError: (info) => errors.push(info),
    randomUUID: () => '7e146a2c-95b5-6caf-98b9-50e3969734c7',
  };
  return { deps, sent, published, errors };
}

const uploadRule: RuleDefinition = {
  name: UPLOAD_RULE_NAME,
  sql: UPLOAD_RULE_SQL,
  actions: [{ sqs: { queueUrl: QUEUE } }],
};

async function rejectsWith(promise: Promise<unknown>, code: 'RULE_ACTION_FAILED'): Promise<Error> {
  let caught: unknown;
  await assert.rejects(promise, (err) => {
    caught = err;
    return isCamlinkError(err, code);
  });
  return caught as Error;
}

function loadError(
  rules: RuleDefinition[],
  code: 'RULE_INVALID' | 'RULE_SQL_INVALID',
  expected: RegExp,
): void {
  assert.throws(
    () => new RulesEngine(rules, fakeDeps().deps),
    (err) => isCamlinkError(err, code) && expected.test(err.message),
    String(expected),
  );
}

test('the upload rule sends the enriched announcement to the queue', async () => {
  const { deps, sent } = fakeDeps();
  const engine = new RulesEngine([uploadRule], deps);
  const result = await engine.handle(
    message('camlink/devices/cam-7/uploads', { key: 'cam-7/a.jpg' }, 'cam-7'),
  );
  assert.deepEqual(result, [{ rule: 'camlink_uploads', actions: 1 }]);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.queueUrl, QUEUE);
  assert.deepEqual(JSON.parse(sent[0]?.body ?? ''), {
    key: 'cam-7/a.jpg',
    deviceId: 'cam-7',
    clientId: 'cam-7',
    receivedAt: T0,
  });
});

test('handle() resolves only after every action completed', async () => {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const events: string[] = [];
  const engine = new RulesEngine([uploadRule], {
    queue: {
      sendMessage: async () => {
        await gate;
        events.push('sent');
      },
    },
    republish: () => Promise.resolve(),
  });
  const handled = engine
    .handle(message('camlink/devices/cam-7/uploads', {}))
    .then(() => events.push('handled'));
  await tick();
  await tick();
  assert.deepEqual(events, []);
  open();
  await handled;
  assert.deepEqual(events, ['sent', 'handled']);
});

test('messages outside every FROM filter or failing WHERE run nothing', async () => {
  const { deps, sent } = fakeDeps();
  const engine = new RulesEngine(
    [{ name: 'hot', sql: "SELECT * FROM 'a/+' WHERE t > 50", actions: [{ sqs: { queueUrl: QUEUE } }] }],
    deps,
  );
  assert.deepEqual(await engine.handle(message('b/1', { t: 99 })), []);
  assert.deepEqual(await engine.handle(message('a/1', { t: 10 })), []);
  assert.deepEqual(await engine.handle(message('a/1', Buffer.from([0xff]))), []);
  assert.equal(sent.length, 0);
});

test('every matching enabled rule runs; disabled rules are compiled but skipped', async () => {
  const { deps, sent, published } = fakeDeps();
  const engine = new RulesEngine(
    [
      uploadRule,
      {
        name: 'events',
        sql: "SELECT topic(3) AS device FROM 'camlink/devices/+/uploads'",
        actions: [{ republish: { topic: 'camlink/devices/${topic(3)}/events', qos: 1 } }],
      },
      {
        name: 'off',
        sql: "SELECT * FROM '#'",
        actions: [{ sqs: { queueUrl: 'http://off' } }],
        enabled: false,
      },
    ],
    deps,
  );
  assert.deepEqual(engine.ruleNames, ['camlink_uploads', 'events', 'off']);
  const result = await engine.handle(message('camlink/devices/cam-1/uploads', {}));
  assert.deepEqual(result, [
    { rule: 'camlink_uploads', actions: 1 },
    { rule: 'events', actions: 1 },
  ]);
  assert.deepEqual(published, [
    { topic: 'camlink/devices/cam-1/events', payload: '{"device":"cam-1"}', qos: 1 },
  ]);
  assert.deepEqual(
    sent.map((s) => s.queueUrl),
    [QUEUE],
  );
});

test('useBase64 sends the Base64 of the output JSON; queueUrl templates are substituted', async () => {
  const { deps, sent } = fakeDeps();
  const engine = new RulesEngine(
    [
      {
        name: 'b64',
        sql: "SELECT a FROM 'x/+'",
        actions: [{ sqs: { queueUrl: 'http://q/${topic(2)}', useBase64: true } }],
      },
    ],
    deps,
  );
  await engine.handle(message('x/q1', { a: 1, b: 2 }));
  assert.deepEqual(sent, [{ queueUrl: 'http://q/q1', body: Buffer.from('{"a":1}').toString('base64') }]);
});

test('a failed action runs the error action with the AWS error document, then handle() rejects', async () => {
  const { deps, sent, published, errors } = fakeDeps({ failQueue: (url) => url === 'http://missing' });
  const engine = new RulesEngine(
    [
      {
        name: 'TestAction',
        sql: "SELECT * FROM 'testme/action'",
        actions: [{ sqs: { queueUrl: 'http://missing' } }, { republish: { topic: 'copies/action' } }],
        errorAction: { sqs: { queueUrl: 'http://errors' } },
      },
    ],
    deps,
  );
  const payload = { message: 'Hello from AWS IoT console' };
  const err = await rejectsWith(
    engine.handle(message('testme/action', payload, 'iotconsole-1')),
    'RULE_ACTION_FAILED',
  );
  assert.match(
    err.message,
    /SqsAction http:\/\/missing: Failed to send message to queue: The specified queue does not exist/u,
  );
  assert.equal(published.length, 1); // the other action still ran
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.queueUrl, 'http://errors');
  assert.deepEqual(JSON.parse(sent[0]?.body ?? ''), {
    ruleName: 'TestAction',
    topic: 'testme/action',
    cloudwatchTraceId: '7e146a2c-95b5-6caf-98b9-50e3969734c7',
    clientId: 'iotconsole-1',
    base64OriginalPayload: Buffer.from(JSON.stringify(payload)).toString('base64'),
    failures: [
      {
        failedAction: 'SqsAction',
        failedResource: 'http://missing',
        errorMessage: 'Failed to send message to queue: The specified queue does not exist: http://missing',
      },
    ],
  });
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.errorAction, 'succeeded');
});

test('without an error action, or when it fails too, handle() still rejects and onError says so', async () => {
  const none = fakeDeps({ failRepublish: true });
  const engine = new RulesEngine(
    [{ name: 'r', sql: "SELECT * FROM 'a'", actions: [{ republish: { topic: 'b' } }] }],
    none.deps,
  );
  await rejectsWith(engine.handle(message('a', {})), 'RULE_ACTION_FAILED');
  assert.equal(none.errors[0]?.errorAction, 'none');
  assert.equal(none.errors[0]?.failures[0]?.failedAction, 'RepublishAction');

  const both = fakeDeps({ failQueue: () => true });
  const failing = new RulesEngine(
    [
      {
        name: 'r',
        sql: "SELECT * FROM 'a'",
        actions: [{ sqs: { queueUrl: 'http://q' } }],
        errorAction: { sqs: { queueUrl: 'http://e' } },
      },
    ],
    both.deps,
  );
  await rejectsWith(failing.handle(message('a', {})), 'RULE_ACTION_FAILED');
  assert.equal(both.errors[0]?.errorAction, 'failed');
  assert.equal(both.errors[0]?.errorActionFailure?.failedResource, 'http://e');
});

test('sinks that throw synchronously are action failures too', async () => {
  const engine = new RulesEngine([uploadRule], {
    queue: {
      sendMessage: () => {
        throw new Error('sync');
      },
    },
    republish: () => Promise.resolve(),
  });
  await rejectsWith(engine.handle(message('camlink/devices/c/uploads', {})), 'RULE_ACTION_FAILED');
});

test('republish topics rendered at run time must be valid, non-$ topic names', async () => {
  const { deps, published, errors } = fakeDeps();
  const actions = [{ republish: { topic: '${dest}/out' } }];
  const engine = new RulesEngine([{ name: 'r', sql: "SELECT * FROM 'in'", actions }], deps);
  for (const dest of ['a/+', '$aws/things/x/shadow', 'a/#', '1/2/3/4/5/6/7/8']) {
    await rejectsWith(engine.handle(message('in', { dest })), 'RULE_ACTION_FAILED');
  }
  assert.deepEqual(
    errors.map((e) => e.failures[0]?.failedResource),
    ['a/+/out', '$aws/things/x/shadow/out', 'a/#/out', '1/2/3/4/5/6/7/8/out'],
  );
  await engine.handle(message('in', { dest: 'x' }));
  await engine.handle(message('in', {})); // Undefined renders as nothing
  assert.deepEqual(
    published.map((p) => p.topic),
    ['x/out', '/out'],
  );
});

test('a template that is only an expression can render any topic, so it always counts as a loop', () => {
  loadError(
    [{ name: 'r', sql: "SELECT * FROM 'in/1'", actions: [{ republish: { topic: '${dest}' } }] }],
    'RULE_INVALID',
    /would trigger itself/u,
  );
});

test('rules are checked when the engine is built, and errors name the rule', () => {
  const sqs = [{ sqs: { queueUrl: QUEUE } }];
  loadError(
    [{ name: 'bad-name', sql: "SELECT * FROM 'a'", actions: sqs }],
    'RULE_INVALID',
    /^rule "bad-name": name: must match/u,
  );
  loadError(
    [{ name: 'x'.repeat(129), sql: "SELECT * FROM 'a'", actions: sqs }],
    'RULE_INVALID',
    /name: Too big/u,
  );
  loadError([{ name: '', sql: "SELECT * FROM 'a'", actions: sqs }], 'RULE_INVALID', /^rule "": name/u);
  loadError([uploadRule, uploadRule], 'RULE_INVALID', /^rule "camlink_uploads" is defined twice$/u);
  loadError(
    [{ name: 'r', sql: "SELECT * FORM 'a'", actions: sqs }],
    'RULE_SQL_INVALID',
    /^rule "r": sql: expected FROM or "," at line 1, column 10, found "FORM"$/u,
  );
  loadError(
    [{ name: 'r', sql: "SELECT * FROM 'a'", actions: Array.from({ length: 11 }, () => sqs[0]!) }],
    'RULE_INVALID',
    /^rule "r": actions: Too big/u,
  );
  loadError(
    [
      {
        name: 'r',
        sql: "SELECT * FROM 'a'",
        actions: [{ sqs: { queueUrl: QUEUE, messageGroupId: 'x' } } as never],
      },
    ],
    'RULE_INVALID',
    /^rule "r": actions\.0/u,
  );
  loadError(
    [{ name: 'r', sql: "SELECT * FROM 'a'", actions: [{ lambda: {} } as never] }],
    'RULE_INVALID',
    /^rule "r": actions\.0/u,
  );
  loadError(
    [{ name: 'r', sql: "SELECT * FROM 'a'", actions: [{ sqs: { queueUrl: 'http://q/${nope()}' } }] }],
    'RULE_SQL_INVALID',
    /^rule "r": actions\[0\]\.sqs\.queueUrl: unknown function "nope"/u,
  );
  loadError([null as never], 'RULE_INVALID', /^rule "\?": \(definition\)/u);
});

test('republish to $ topics and republish loops are refused at load time', () => {
  const rule = (topic: string, from = 'camlink/devices/+/uploads'): RuleDefinition => ({
    name: 'r',
    sql: `SELECT * FROM '${from}'`,
    actions: [{ republish: { topic } }],
  });
  loadError([rule('$aws/rules/other')], 'RULE_INVALID', /reserved \$ topic/u);
  loadError(
    [rule('camlink/devices/${topic(3)}/uploads')],
    'RULE_INVALID',
    /can match the rule's own FROM filter 'camlink\/devices\/\+\/uploads'; the rule would trigger itself/u,
  );
  loadError([rule('camlink/devices/x/uploads')], 'RULE_INVALID', /would trigger itself/u);
  loadError([rule('${topic()}/copy', 'my/#')], 'RULE_INVALID', /would trigger itself/u);
  loadError(
    [{ ...rule('other'), errorAction: { republish: { topic: 'camlink/devices/e/uploads' } } }],
    'RULE_INVALID',
    /^rule "r": errorAction\.republish\.topic/u,
  );
  assert.doesNotThrow(() => new RulesEngine([rule('camlink/devices/${topic(3)}/events')], fakeDeps().deps));
});

test('an SQS action whose role may not send to the queue fails, and the error action runs; replaceRules swaps rules', async () => {
  const { deps, sent, errors } = fakeDeps();
  const checked: [string, string][] = [];
  const engine = new RulesEngine(
    [
      {
        name: 'r',
        sql: "SELECT * FROM 'a/+'",
        actions: [{ sqs: { queueUrl: QUEUE, roleArn: 'arn:aws:iam::000000000000:role/no-sqs' } }],
        errorAction: { sqs: { queueUrl: `${QUEUE}-dlq`, roleArn: 'arn:aws:iam::000000000000:role/ok' } },
      },
    ],
    {
      ...deps,
      checkSqsRole: (roleArn, queueUrl) => {
        checked.push([roleArn, queueUrl]);
        return Promise.resolve(
          roleArn.endsWith('/ok') ? undefined : `${roleArn} is not authorized to perform: sqs:SendMessage`,
        );
      },
    },
  );
  await rejectsWith(engine.handle(message('a/b', { n: 1 })), 'RULE_ACTION_FAILED');
  assert.deepEqual(checked, [
    ['arn:aws:iam::000000000000:role/no-sqs', QUEUE],
    ['arn:aws:iam::000000000000:role/ok', `${QUEUE}-dlq`],
  ]);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.queueUrl, `${QUEUE}-dlq`);
  assert.match(errors[0]?.failures[0]?.errorMessage ?? '', /not authorized to perform: sqs:SendMessage/);

  engine.replaceRules([uploadRule]);
  assert.deepEqual(engine.ruleNames, [UPLOAD_RULE_NAME]);
  assert.throws(
    () => engine.replaceRules([{ name: 'bad', sql: 'SELEC', actions: [] }]),
    (err) => isCamlinkError(err, 'RULE_SQL_INVALID'),
  );
  assert.deepEqual(engine.ruleNames, [UPLOAD_RULE_NAME], 'a bad set leaves the running rules');
});
