/**
 * Re-sending a notification as a fresh message (SendMessage of the same body and attributes): what the
 * consumer does instead of letting the backend's own failure spend a notification's last receive. The
 * message attribute CamlinkRequeues counts the re-sends (each copy carries its own count).
 */
import {
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** The message attribute that counts a notification's re-sends. */
export const REQUEUES_ATTRIBUTE = 'CamlinkRequeues';

/** How often the message was re-sent before (0 for the rule's original). */
export function requeuesOf(message: Message): number {
  return Number(message.MessageAttributes?.[REQUEUES_ATTRIBUTE]?.StringValue ?? '0') || 0;
}

/** Sends the copy; resolves with its message id (the caller deletes the original). */
export async function resend(
  sqs: SQSClient,
  queueUrl: string,
  message: Message,
): Promise<string | undefined> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    attributes[name] = {
      DataType: value.DataType,
      ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue }),
    };
  }
  attributes[REQUEUES_ATTRIBUTE] = { DataType: 'Number', StringValue: String(requeuesOf(message) + 1) };
  const sent = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: message.Body ?? '',
      MessageAttributes: attributes,
    }),
  );
  return sent.MessageId;
}
