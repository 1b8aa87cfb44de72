/**
 * (d) The topic rule that feeds the upload queue exists with the contract SQL (GetTopicRule), is
 * enabled, and one of its SQS actions sends to the upload queue (the URL given, --queue-url or the
 * configured one; without one, any SQS action). The embedded IoT API serves the topic-rule operations
 * (its built-in rule is stored there); an IoT API without GetTopicRule yields UNCHECKED.
 */
import { GetTopicRuleCommand, type IoTClient } from '@aws-sdk/client-iot';
import { UPLOAD_RULE_NAME, UPLOAD_RULE_SQL } from '../../contracts/upload-rule.js';
import { hasErrorName, serviceErrorOf } from '../service-error.js';
import { errorResult, result, type CheckResult } from './check.js';

export const UPLOAD_RULE_CHECK = 'upload-rule';

export async function checkUploadRule(iot: IoTClient, queueUrl?: string): Promise<CheckResult> {
  let answer;
  try {
    answer = await iot.send(new GetTopicRuleCommand({ ruleName: UPLOAD_RULE_NAME }));
  } catch (err) {
    // The embedded API answers an operation it does not serve with "no operation GET /rules/...".
    if (/^no operation /.test(serviceErrorOf(err).message)) {
      return result(
        UPLOAD_RULE_CHECK,
        'UNCHECKED',
        'this IoT API does not serve GetTopicRule (the embedded endpoint runs the rule built in)',
      );
    }
    // AWS answers UnauthorizedException for a rule that does not exist.
    if (hasErrorName(err, 'ResourceNotFoundException', 'UnauthorizedException')) {
      return result(
        UPLOAD_RULE_CHECK,
        'MISSING',
        `no topic rule ${UPLOAD_RULE_NAME} (or it may not be read)`,
      );
    }
    return errorResult(UPLOAD_RULE_CHECK, 'GetTopicRule', err);
  }
  const sql = answer.rule?.sql;
  if (sql === undefined) return result(UPLOAD_RULE_CHECK, 'MISSING', `${UPLOAD_RULE_NAME} has no SQL`);
  if (normalize(sql) !== normalize(UPLOAD_RULE_SQL)) {
    return result(UPLOAD_RULE_CHECK, 'DIFFERENT', `${UPLOAD_RULE_NAME} SQL is "${sql}"`);
  }
  const disabled = answer.rule?.ruleDisabled === true;
  if (disabled) return result(UPLOAD_RULE_CHECK, 'DIFFERENT', `${UPLOAD_RULE_NAME} is disabled`);
  const actions = (answer.rule?.actions ?? []).flatMap((a) => (a.sqs ? [`sqs ${a.sqs.queueUrl}`] : []));
  if (actions.length === 0) {
    return result(UPLOAD_RULE_CHECK, 'DIFFERENT', `${UPLOAD_RULE_NAME} has no SQS action`);
  }
  if (queueUrl === undefined) {
    return result(
      UPLOAD_RULE_CHECK,
      'OK',
      `${UPLOAD_RULE_NAME} -> ${actions.join(', ')} (no queue URL to compare)`,
    );
  }
  const targets = (answer.rule?.actions ?? []).flatMap((a) => (a.sqs?.queueUrl ? [a.sqs.queueUrl] : []));
  if (!targets.some((url) => sameUrl(url, queueUrl))) {
    return result(
      UPLOAD_RULE_CHECK,
      'DIFFERENT',
      `${UPLOAD_RULE_NAME} -> ${actions.join(', ')}, not the upload queue ${queueUrl}`,
    );
  }
  return result(UPLOAD_RULE_CHECK, 'OK', `${UPLOAD_RULE_NAME} -> ${actions.join(', ')}`);
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function normalize(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
