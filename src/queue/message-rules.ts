/**
 * What a message may contain (SQS API Reference, SendMessage "MessageBody" and "MessageAttributes";
 * SQS Developer Guide "Message attributes"): XML 1.0 characters only, at most MaximumMessageSize bytes
 * counting attributes, at most 10 attributes with names of 1-256 of A-Z a-z 0-9 _ - . (not starting
 * with "AWS." or "Amazon.", no "..", no leading/trailing "."), data types String, Number, Binary with
 * an optional ".label", and non-empty values.
 */
import { SqsError, invalidParameter } from './errors.js';
import { isBinaryType, messageSize, type MessageAttributes } from './md5.js';

// #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF (lone surrogates excluded by `u`).
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,250})?$/;
export const MAX_MESSAGE_ATTRIBUTES = 10;
export const MAX_DELAY_SECONDS = 900;

export function checkBody(body: string): void {
  if (body.length === 0) {
    throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  if (INVALID_CHAR.test(body)) {
    throw new SqsError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
}

export function checkAttributes(attributes: MessageAttributes): void {
  const names = Object.keys(attributes);
  if (names.length > MAX_MESSAGE_ATTRIBUTES) {
    throw invalidParameter(
      'MessageAttributes',
      names.length,
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    );
  }
  for (const name of names) {
    const value = attributes[name];
    const lower = name.toLowerCase();
    if (
      !ATTRIBUTE_NAME.test(name) ||
      lower.startsWith('aws.') ||
      lower.startsWith('amazon.') ||
      name.includes('..') ||
      name.startsWith('.') ||
      name.endsWith('.')
    ) {
      throw invalidParameter('MessageAttribute.Name', name, 'Invalid message attribute name.');
    }
    if (value === undefined || !DATA_TYPE.test(value.DataType)) {
      throw invalidParameter(`MessageAttributes.${name}.DataType`, value?.DataType, 'Invalid data type.');
    }
    if (isBinaryType(value.DataType)) {
      if (
        value.BinaryValue === undefined ||
        value.BinaryValue.length === 0 ||
        value.StringValue !== undefined
      ) {
        throw invalidParameter(
          name,
          '',
          `Message (user) attribute '${name}' must contain a non-empty value of type 'Binary'.`,
        );
      }
    } else {
      if (
        value.StringValue === undefined ||
        value.StringValue.length === 0 ||
        value.BinaryValue !== undefined
      ) {
        throw invalidParameter(
          name,
          '',
          `Message (user) attribute '${name}' must contain a non-empty value of type '${value.DataType.split('.')[0] ?? 'String'}'.`,
        );
      }
      if (INVALID_CHAR.test(value.StringValue)) {
        throw new SqsError(
          'InvalidMessageContents',
          `Message attribute ${name} contains invalid characters.`,
        );
      }
      if (
        value.DataType.startsWith('Number') &&
        !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.StringValue)
      ) {
        throw invalidParameter(name, value.StringValue, `Can't parse '${value.StringValue}' as a Number.`);
      }
    }
  }
}

export function checkMessage(body: string, attributes: MessageAttributes, maximumMessageSize: number): void {
  checkBody(body);
  checkAttributes(attributes);
  if (messageSize(body, attributes) > maximumMessageSize) {
    throw new SqsError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${maximumMessageSize} bytes.`,
    );
  }
}

export function checkDelay(delaySeconds: number): void {
  if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
    throw invalidParameter(
      'DelaySeconds',
      delaySeconds,
      `Must be >= 0 and <= ${MAX_DELAY_SECONDS}, if provided.`,
    );
  }
}
