/** The AWS IoT rules engine subset of the embedded IoT endpoint; docs/rules.md describes it. */
export { RulesEngine, RULES_MAX } from './engine.js';
export type {
  HandledRule,
  QueueSink,
  RuleAction,
  RuleDefinition,
  RuleErrorInfo,
  RuleMessage,
  RulesEngineDeps,
} from './engine.js';
export type { ActionFailure } from './actions.js';
export { compileRule, RULE_ACTIONS_MAX, RULE_NAME_MAX_LENGTH } from './definition.js';
export type { CompiledRule } from './definition.js';
export { compileSql, SQL_MAX_BYTES, EXPRESSION_MAX_DEPTH } from './parser.js';
export type { Statement, Expression, SelectItem } from './ast.js';
export { evaluate } from './evaluate.js';
export { compileTemplate, renderTemplate, TEMPLATE_MAX_BYTES } from './substitution.js';
export { matchesTopicFilter, topicFilterProblem, topicNameProblem } from './topic-filter.js';
export type { JsonValue, SqlValue } from './values.js';
