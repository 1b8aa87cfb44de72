/**
 * Running the two supported rule actions (AWS IoT Developer Guide, "Republish" and "SQS" rule actions,
 * and "Error handling (error action)" for the failure record). An action never throws: it resolves to
 * undefined when done, or to the failure entry AWS puts in the error action's `failures` list.
 */
import type { CompiledAction } from './definition.js';
import type { EvaluationContext } from './evaluate.js';
import { renderTemplate } from './substitution.js';
import { topicNameProblem } from './topic-filter.js';
import type { JsonValue } from './values.js';

/** The SQS-compatible queue implements this. */
export interface QueueSink {
  sendMessage(queueUrl: string, body: string): Promise<void>;
}

export interface ActionDeps {
  readonly queue: QueueSink;
  republish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
  /**
   * When the platform knows IAM roles: why `roleArn` may not send to `queueUrl` for rule `ruleName`
   * (trust of iot.amazonaws.com, sqs:SendMessage on the queue's ARN), or undefined when it may.
   * Absent: the action's roleArn is not checked.
   */
  checkSqsRole?(roleArn: string, queueUrl: string, ruleName: string): Promise<string | undefined>;
}

/** One entry of the error action document's `failures` (AWS names the action type and the resource). */
export interface ActionFailure {
  readonly failedAction: 'RepublishAction' | 'SqsAction';
  readonly failedResource: string;
  readonly errorMessage: string;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function runAction(
  action: CompiledAction,
  document: { [key: string]: JsonValue },
  context: EvaluationContext,
  deps: ActionDeps,
  ruleName: string,
): Promise<ActionFailure | undefined> {
  if (action.kind === 'sqs') {
    const queueUrl = renderTemplate(action.queueUrl, context);
    const fail = (errorMessage: string): ActionFailure => ({
      failedAction: 'SqsAction',
      failedResource: queueUrl,
      errorMessage,
    });
    if (queueUrl.length === 0) return fail(`queueUrl template "${action.queueUrl.source}" rendered empty`);
    try {
      if (action.roleArn !== undefined && deps.checkSqsRole !== undefined) {
        const denied = await deps.checkSqsRole(action.roleArn, queueUrl, ruleName);
        if (denied !== undefined) return fail(`Failed to send message to queue: ${denied}`);
      }
      const json = JSON.stringify(document);
      // useBase64: the message body is the Base64 of the JSON document (AWS "SQS action").
      await deps.queue.sendMessage(queueUrl, action.useBase64 ? Buffer.from(json).toString('base64') : json);
      return undefined;
    } catch (err) {
      return fail(`Failed to send message to queue: ${messageOf(err)}`);
    }
  }
  const topic = renderTemplate(action.topic, context);
  const fail = (errorMessage: string): ActionFailure => ({
    failedAction: 'RepublishAction',
    failedResource: topic,
    errorMessage,
  });
  const problem = topicNameProblem(topic);
  if (problem !== undefined) return fail(`republish topic "${topic}" is not valid: ${problem}`);
  if (topic.startsWith('$')) return fail(`republish topic "${topic}" is a reserved $ topic`);
  try {
    await deps.republish(topic, Buffer.from(JSON.stringify(document)), action.qos);
    return undefined;
  } catch (err) {
    return fail(`Failed to republish: ${messageOf(err)}`);
  }
}
