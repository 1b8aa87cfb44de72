/**
 * Queue attributes a client may set (SQS API Reference, CreateQueue / SetQueueAttributes "Attributes"),
 * their SQS ranges and defaults, and the queue-name rule. Values travel as strings, as in SQS; an
 * unknown name is InvalidAttributeName, a value out of range InvalidAttributeValue (never clamped).
 */
import { SqsError } from './errors.js';

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

export interface QueueSettings {
  readonly VisibilityTimeout: number;
  readonly MessageRetentionPeriod: number;
  readonly DelaySeconds: number;
  readonly ReceiveMessageWaitTimeSeconds: number;
  readonly MaximumMessageSize: number;
  readonly RedrivePolicy?: RedrivePolicy;
}

type NumericName = Exclude<keyof QueueSettings, 'RedrivePolicy'>;

export const numericAttributes: Record<NumericName, { min: number; max: number; default: number }> = {
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  DelaySeconds: { min: 0, max: 900, default: 0 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  MaximumMessageSize: { min: 1_024, max: 262_144, default: 262_144 },
};

export const defaultSettings: QueueSettings = {
  VisibilityTimeout: 30,
  MessageRetentionPeriod: 345_600,
  DelaySeconds: 0,
  ReceiveMessageWaitTimeSeconds: 0,
  MaximumMessageSize: 262_144,
};

/** Attributes SQS accepts but camlink does not implement; refused rather than silently ignored. */
const unsupported = new Set([
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'Policy',
  'RedriveAllowPolicy',
]);

export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export function checkQueueName(name: string): void {
  if (name.endsWith('.fifo')) {
    throw new SqsError(
      'UnsupportedOperation',
      'FIFO queues are not supported by camlink; use a standard queue (no .fifo suffix)',
    );
  }
  if (!QUEUE_NAME.test(name)) {
    throw new SqsError(
      'InvalidParameterValue',
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
  }
}

const INTEGER = /^(0|[1-9][0-9]{0,9})$/;
const QUEUE_ARN = /^arn:aws(-cn)?:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/;

function parseRedrivePolicy(value: string): RedrivePolicy {
  const invalid = (reason: string) =>
    new SqsError(
      'InvalidAttributeValue',
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: ${reason}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('Redrive policy is not a valid JSON map.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('Redrive policy is not a valid JSON map.');
  }
  const record = parsed as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'deadLetterTargetArn' && key !== 'maxReceiveCount') {
      throw invalid(`Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].`);
    }
  }
  const arn = record.deadLetterTargetArn;
  const count = record.maxReceiveCount;
  if (typeof arn !== 'string' || !QUEUE_ARN.test(arn))
    throw invalid('Invalid value for deadLetterTargetArn.');
  const n =
    typeof count === 'number'
      ? count
      : typeof count === 'string' && INTEGER.test(count)
        ? Number(count)
        : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 1_000) {
    throw invalid('Value for maxReceiveCount must be an integer between 1 and 1000.');
  }
  return { deadLetterTargetArn: arn, maxReceiveCount: n };
}

/** Applies client-supplied attributes over `base` (defaults for CreateQueue). */
export function parseQueueAttributes(
  attributes: Readonly<Record<string, string>>,
  base: QueueSettings = defaultSettings,
): QueueSettings {
  const settings: { -readonly [K in keyof QueueSettings]: QueueSettings[K] } = { ...base };
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'RedrivePolicy') {
      if (value === '') delete settings.RedrivePolicy;
      else settings.RedrivePolicy = parseRedrivePolicy(value);
      continue;
    }
    if (unsupported.has(name)) {
      throw new SqsError('InvalidAttributeName', `Attribute ${name} is not supported by camlink.`);
    }
    if (!Object.hasOwn(numericAttributes, name)) {
      throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    const key = name as NumericName;
    const range = numericAttributes[key];
    const n = INTEGER.test(value) ? Number(value) : NaN;
    if (!(n >= range.min && n <= range.max)) {
      throw new SqsError(
        'InvalidAttributeValue',
        `Invalid value for the parameter ${name}. Reason: must be an integer from ${range.min} to ${range.max}.`,
      );
    }
    settings[key] = n;
  }
  return settings;
}

export function sameSettings(a: QueueSettings, b: QueueSettings): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(s: QueueSettings): unknown[] {
  return [
    s.VisibilityTimeout,
    s.MessageRetentionPeriod,
    s.DelaySeconds,
    s.ReceiveMessageWaitTimeSeconds,
    s.MaximumMessageSize,
    s.RedrivePolicy?.deadLetterTargetArn,
    s.RedrivePolicy?.maxReceiveCount,
  ];
}

/** Settings as SQS reports them in GetQueueAttributes. */
export function settingsAttributes(s: QueueSettings): Record<string, string> {
  const out: Record<string, string> = {
    VisibilityTimeout: String(s.VisibilityTimeout),
    MessageRetentionPeriod: String(s.MessageRetentionPeriod),
    DelaySeconds: String(s.DelaySeconds),
    ReceiveMessageWaitTimeSeconds: String(s.ReceiveMessageWaitTimeSeconds),
    MaximumMessageSize: String(s.MaximumMessageSize),
  };
  if (s.RedrivePolicy) out.RedrivePolicy = JSON.stringify(s.RedrivePolicy);
  return out;
}
