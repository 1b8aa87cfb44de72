/**
 * The control-plane operations: their restJson1 paths (`POST /createStream`, ...) and zod schemas of
 * their JSON bodies, with the KVS model's lengths and patterns. Unknown members and invalid values are
 * InvalidArgumentException, the KVS answer to input that fails validation.
 */
import { z } from 'zod';
import { invalidArgument } from './errors.js';
import {
  API_NAMES,
  DEVICE_NAME,
  KMS_KEY_ID_MAX,
  LIST_STREAMS_MAX_RESULTS,
  MAX_RETENTION_HOURS,
  MAX_TAGS_PER_STREAM,
  MEDIA_TYPE,
  MEDIA_TYPE_MAX,
  NEXT_TOKEN,
  STREAM_ARN,
  STREAM_ARN_MAX,
  STREAM_NAME,
  TAG_KEY,
  TAG_VALUE,
  VERSION,
} from './rules.js';

const streamName = z.string().regex(STREAM_NAME, 'must be 1-256 of a-z A-Z 0-9 _ . -');
const streamArn = z.string().max(STREAM_ARN_MAX).regex(STREAM_ARN, 'is not a Kinesis video stream ARN');
const version = z.string().regex(VERSION, 'must be 1-64 of a-z A-Z 0-9');
const deviceName = z.string().regex(DEVICE_NAME, 'must be 1-128 of a-z A-Z 0-9 _ . -');
const mediaType = z.string().max(MEDIA_TYPE_MAX).regex(MEDIA_TYPE, 'is not a media type such as video/h264');
const nextToken = z.string().regex(NEXT_TOKEN, 'is not a valid token');
const tags = z
  .record(
    z.string().regex(TAG_KEY, 'tag keys are 1-128 letters, digits, spaces and _ . : / = + - @'),
    z.string().regex(TAG_VALUE, 'tag values are 0-256 letters, digits, spaces and _ . : / = + - @'),
  )
  .refine((t) => {
    const n = Object.keys(t).length;
    return n >= 1 && n <= MAX_TAGS_PER_STREAM;
  }, `must have 1-${MAX_TAGS_PER_STREAM} tags`);

const streamRef = { StreamName: streamName.optional(), StreamARN: streamArn.optional() };

export const operations = {
  CreateStream: z.strictObject({
    StreamName: streamName,
    DeviceName: deviceName.optional(),
    MediaType: mediaType.optional(),
    KmsKeyId: z.string().min(1).max(KMS_KEY_ID_MAX).optional(),
    DataRetentionInHours: z.number().int().min(0).max(MAX_RETENTION_HOURS).optional(),
    Tags: tags.optional(),
    /** Accepted for compatibility; camlink has one storage tier. */
    StreamStorageConfiguration: z.strictObject({ DefaultStorageTier: z.enum(['HOT', 'WARM']) }).optional(),
  }),
  DescribeStream: z.strictObject(streamRef),
  ListStreams: z.strictObject({
    MaxResults: z.number().int().min(1).max(LIST_STREAMS_MAX_RESULTS).optional(),
    NextToken: nextToken.optional(),
    StreamNameCondition: z
      .strictObject({
        ComparisonOperator: z.literal('BEGINS_WITH').optional(),
        ComparisonValue: streamName.optional(),
      })
      .optional(),
  }),
  DeleteStream: z.strictObject({ StreamARN: streamArn, CurrentVersion: version.optional() }),
  UpdateStream: z.strictObject({
    ...streamRef,
    CurrentVersion: version,
    DeviceName: deviceName.optional(),
    MediaType: mediaType.optional(),
  }),
  UpdateDataRetention: z.strictObject({
    ...streamRef,
    CurrentVersion: version,
    Operation: z.enum(['INCREASE_DATA_RETENTION', 'DECREASE_DATA_RETENTION']),
    DataRetentionChangeInHours: z.number().int().min(1).max(MAX_RETENTION_HOURS),
  }),
  GetDataEndpoint: z.strictObject({ ...streamRef, APIName: z.enum(API_NAMES) }),
  TagStream: z.strictObject({ ...streamRef, Tags: tags }),
  UntagStream: z.strictObject({
    ...streamRef,
    TagKeyList: z
      .array(z.string().regex(TAG_KEY, 'tag keys are 1-128 letters, digits, spaces and _ . : / = + - @'))
      .min(1)
      .max(MAX_TAGS_PER_STREAM),
  }),
  ListTagsForStream: z.strictObject({ ...streamRef, NextToken: nextToken.optional() }),
} as const;

export type OperationName = keyof typeof operations;
export type OperationInput<K extends OperationName> = z.infer<(typeof operations)[K]>;

/** restJson1 paths: the operation name with a lower-case first letter. */
export const operationByPath: ReadonlyMap<string, OperationName> = new Map(
  (Object.keys(operations) as OperationName[]).map((name) => [
    `/${name.charAt(0).toLowerCase()}${name.slice(1)}`,
    name,
  ]),
);

export function parseInput<K extends OperationName>(name: K, body: unknown): OperationInput<K> {
  const result = operations[name].safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    throw invalidArgument(`${name}: ${where}${issue?.message ?? 'invalid request'}`);
  }
  return result.data as OperationInput<K>;
}
