/**
 * (g) The upload queue the topic rule feeds exists and has a redrive policy (a dead-letter queue), so
 * a notification the backend cannot process is kept, not retried forever (GetQueueAttributes).
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { hasErrorName } from '../service-error.js';
import { errorResult, result, type CheckResult } from './check.js';

export const UPLOAD_QUEUE_CHECK = 'upload-queue';

export async function checkUploadQueue(sqs: SQSClient, queueUrl: string | undefined): Promise<CheckResult> {
  if (queueUrl === undefined) {
    return result(UPLOAD_QUEUE_CHECK, 'UNCHECKED', 'no queue URL: pass --queue-url or set backend.aws');
  }
  let answer;
  try {
    answer = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'RedrivePolicy'] }),
    );
  } catch (err) {
    if (hasErrorName(err, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue')) {
      return result(UPLOAD_QUEUE_CHECK, 'MISSING', `no queue ${queueUrl}`);
    }
    return errorResult(UPLOAD_QUEUE_CHECK, 'GetQueueAttributes', err);
  }
  const redrive = answer.Attributes?.RedrivePolicy;
  if (redrive === undefined || redrive === '') {
    return result(UPLOAD_QUEUE_CHECK, 'DIFFERENT', `${queueUrl} has no redrive policy (dead-letter queue)`);
  }
  const parsed = parseRedrive(redrive);
  return result(
    UPLOAD_QUEUE_CHECK,
    'OK',
    `${queueUrl} -> ${parsed.target ?? '?'} after ${parsed.maxReceiveCount ?? '?'} receives`,
  );
}

function parseRedrive(text: string): { target?: string; maxReceiveCount?: string } {
  try {
    const json = JSON.parse(text) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    return {
      ...(typeof json.deadLetterTargetArn === 'string' ? { target: json.deadLetterTargetArn } : {}),
      ...(typeof json.maxReceiveCount === 'number' || typeof json.maxReceiveCount === 'string'
        ? { maxReceiveCount: String(json.maxReceiveCount) }
        : {}),
    };
  } catch {
    return {};
  }
}
