/** Topic-rule operations of the AWS IoT REST API (paths and bindings of @aws-sdk/client-iot). */
import { parseTopicRulePayload } from '../rules/topic-rule-payload.js';
import { bool, int, opt, route, type Route } from './route-kit.js';

export const topicRuleRoutes: readonly Route[] = [
  route('CreateTopicRule', 'POST', '/rules/{ruleName}', (i, d) => {
    d.registry.createTopicRule(i.params.ruleName ?? '', parseTopicRulePayload(i.body));
    return {};
  }),
  route('GetTopicRule', 'GET', '/rules/{ruleName}', (i, d) =>
    d.registry.getTopicRule(i.params.ruleName ?? ''),
  ),
  route('ListTopicRules', 'GET', '/rules', (i, d) =>
    d.registry.listTopicRules({
      topic: opt(i.query, 'topic'),
      maxResults: int(i.query, 'maxResults'),
      nextToken: opt(i.query, 'nextToken'),
      ruleDisabled: bool(i.query, 'ruleDisabled'),
    }),
  ),
  route('ReplaceTopicRule', 'PATCH', '/rules/{ruleName}', (i, d) => {
    d.registry.replaceTopicRule(i.params.ruleName ?? '', parseTopicRulePayload(i.body));
    return {};
  }),
  route('DeleteTopicRule', 'DELETE', '/rules/{ruleName}', (i, d) => {
    d.registry.deleteTopicRule(i.params.ruleName ?? '');
    return {};
  }),
  route('EnableTopicRule', 'POST', '/rules/{ruleName}/enable', (i, d) => {
    d.registry.setTopicRuleDisabled(i.params.ruleName ?? '', false);
    return {};
  }),
  route('DisableTopicRule', 'POST', '/rules/{ruleName}/disable', (i, d) => {
    d.registry.setTopicRuleDisabled(i.params.ruleName ?? '', true);
    return {};
  }),
];
