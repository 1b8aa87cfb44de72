import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCamlinkError } from '../../errors/camlink-error.js';
import { conditionEvaluator, pseudoParameters } from './environment.js';
import { referencesOf, resolve, type ResolveContext } from './intrinsics.js';
import { creationOrder } from './order.js';
import { parseTemplate } from './template.js';

const template = parseTemplate(
  JSON.stringify({
    Conditions: {
      China: { 'Fn::Equals': [{ Ref: 'AWS::Partition' }, 'aws-cn'] },
      NotChina: { 'Fn::Not': [{ Condition: 'China' }] },
    },
    Mappings: { Suffix: { 'aws-cn': { Domain: 'amazonaws.com.cn' } } },
    Resources: {},
  }),
  'test',
);

function context(region: string): ResolveContext {
  const base = {
    pseudo: pseudoParameters({ stackName: 'camlink', region, account: '123456789012' }),
    parameters: { Stage: 'prod' },
    mappings: template.Mappings ?? {},
    ref: (id: string) => (id === 'Queue' ? 'https://sqs/123456789012/q' : undefined),
    attr: (id: string, name: string) => (id === 'Queue' && name === 'Arn' ? 'arn:aws-cn:sqs:x' : undefined),
  };
  return { ...base, condition: conditionEvaluator(template, base) };
}

test('intrinsics: Sub, Join, Select, Split, FindInMap, If, conditions, NoValue, pseudo parameters', () => {
  const ctx = context('cn-north-1');
  assert.equal(
    resolve(ctx, 'v', {
      'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:rule/${Stage}',
    }),
    'arn:aws-cn:iot:cn-north-1:123456789012:rule/prod',
  );
  assert.equal(
    resolve(ctx, 'v', { 'Fn::Sub': ['${A}-${Queue.Arn}-${!Literal}', { A: 'a' }] }),
    'a-arn:aws-cn:sqs:x-${Literal}',
  );
  assert.equal(
    resolve(ctx, 'v', { 'Fn::Join': ['/', ['a', { Ref: 'Queue' }]] }),
    'a/https://sqs/123456789012/q',
  );
  assert.equal(resolve(ctx, 'v', { 'Fn::Select': [1, { 'Fn::Split': ['/', 'x/y/z'] }] }), 'y');
  assert.equal(
    resolve(ctx, 'v', { 'Fn::FindInMap': ['Suffix', { Ref: 'AWS::Partition' }, 'Domain'] }),
    'amazonaws.com.cn',
  );
  assert.equal(resolve(ctx, 'v', { Ref: 'AWS::URLSuffix' }), 'amazonaws.com.cn');
  assert.deepEqual(resolve(ctx, 'v', { A: { 'Fn::If': ['NotChina', 'x', { Ref: 'AWS::NoValue' }] }, B: 1 }), {
    B: 1,
  });
  assert.equal(resolve(context('ap-northeast-1'), 'v', { 'Fn::If': ['China', 'cn', 'global'] }), 'global');
  assert.equal(resolve(ctx, 'v', { 'Fn::GetAtt': 'Queue.Arn' }), 'arn:aws-cn:sqs:x');
});

test('intrinsics: unknown functions, missing references and cycles are STACK_TEMPLATE_INVALID', () => {
  const ctx = context('ap-northeast-1');
  const invalid = (fn: () => unknown, message: RegExp) =>
    assert.throws(fn, (err) => isCamlinkError(err, 'STACK_TEMPLATE_INVALID') && message.test(err.message));
  invalid(() => resolve(ctx, 'v', { 'Fn::ImportValue': 'x' }), /Fn::ImportValue is not supported/);
  invalid(() => resolve(ctx, 'v', { Ref: 'Nope' }), /Ref Nope: no such resource/);
  invalid(() => resolve(ctx, 'v', { 'Fn::GetAtt': ['Queue', 'Nope'] }), /Queue\.Nope/);
  invalid(() => resolve(ctx, 'v', { 'Fn::Select': [5, ['a']] }), /out of range/);
  invalid(
    () =>
      creationOrder({
        A: { Type: 'T', Properties: { X: { Ref: 'B' } } },
        B: { Type: 'T', DependsOn: 'A' },
      }),
    /circular dependency between resources: A, B/,
  );
});

test('order: references and DependsOn come first; otherwise the template order is kept', () => {
  assert.deepEqual(
    creationOrder({
      Rule: { Type: 'T', Properties: { Q: { 'Fn::GetAtt': ['Queue', 'Arn'] } }, DependsOn: ['Role'] },
      Role: { Type: 'T' },
      Queue: { Type: 'T', Properties: { N: { 'Fn::Sub': '${Dlq.Arn}' } } },
      Dlq: { Type: 'T' },
    }),
    ['Role', 'Dlq', 'Queue', 'Rule'],
  );
  assert.deepEqual(
    [...referencesOf({ 'Fn::Sub': ['${A}${B.Arn}${!C}', { X: { Ref: 'D' } }] })],
    ['A', 'B', 'D'],
  );
});
