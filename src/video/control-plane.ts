/**
 * The Kinesis Video Streams control plane: each operation's validated input applied to the video
 * store, and its output in the restJson1 shape @aws-sdk/client-kinesis-video reads (timestamps as epoch
 * seconds). ListStreams pages with an opaque NextToken (the base64 of the last name returned);
 * ListTagsForStream returns every tag at once (a stream has at most 50).
 */
import { invalidArgument } from './errors.js';
import { parseInput, type OperationInput, type OperationName } from './requests.js';
import { STREAM_NAME, type ApiName } from './rules.js';
import type { StreamInfo, StreamRef, VideoStore } from './store.js';

import type { JsonObject } from './respond.js';

export type { JsonObject };

export interface ControlPlaneContext {
  store: VideoStore;
  /** What GetDataEndpoint answers: the URL of the server that serves the data APIs. */
  dataEndpoint: (apiName: ApiName) => string;
}

type Handler<K extends OperationName> = (input: OperationInput<K>, ctx: ControlPlaneContext) => JsonObject;

const handlers: { [K in OperationName]: Handler<K> } = {
  CreateStream(input, { store }) {
    const stream = store.createStream({
      name: input.StreamName,
      deviceName: input.DeviceName,
      mediaType: input.MediaType,
      kmsKeyId: input.KmsKeyId,
      dataRetentionHours: input.DataRetentionInHours ?? 0,
      tags: input.Tags,
    });
    return { StreamARN: stream.arn };
  },
  DescribeStream(input, { store }) {
    return { StreamInfo: streamInfo(store.describeStream(ref(input))) };
  },
  ListStreams(input, { store }) {
    const limit = input.MaxResults ?? 10_000;
    const after = input.NextToken === undefined ? undefined : decodeNextToken(input.NextToken);
    const prefix = input.StreamNameCondition?.ComparisonValue;
    const page = store.listStreams({
      limit,
      ...(after !== undefined ? { after } : {}),
      ...(prefix !== undefined ? { prefix } : {}),
    });
    const last = page.streams[page.streams.length - 1];
    return {
      StreamInfoList: page.streams.map(streamInfo),
      ...(page.more && last !== undefined ? { NextToken: encodeNextToken(last.name) } : {}),
    };
  },
  DeleteStream(input, { store }) {
    store.deleteStream({ arn: input.StreamARN }, input.CurrentVersion);
    return {};
  },
  UpdateStream(input, { store }) {
    store.updateStream(ref(input), input.CurrentVersion, {
      deviceName: input.DeviceName,
      mediaType: input.MediaType,
    });
    return {};
  },
  UpdateDataRetention(input, { store }) {
    const sign = input.Operation === 'INCREASE_DATA_RETENTION' ? 1 : -1;
    store.updateDataRetention(ref(input), input.CurrentVersion, sign * input.DataRetentionChangeInHours);
    return {};
  },
  GetDataEndpoint(input, { store, dataEndpoint }) {
    store.describeStream(ref(input));
    return { DataEndpoint: dataEndpoint(input.APIName) };
  },
  TagStream(input, { store }) {
    store.tagStream(ref(input), input.Tags);
    return {};
  },
  UntagStream(input, { store }) {
    store.untagStream(ref(input), input.TagKeyList);
    return {};
  },
  ListTagsForStream(input, { store }) {
    return { Tags: store.listTags(ref(input)) };
  },
};

/** Validates `body` for the operation and runs it. */
export function runOperation(name: OperationName, body: unknown, ctx: ControlPlaneContext): JsonObject {
  return runTyped(name, parseInput(name, body), ctx);
}

function runTyped<K extends OperationName>(name: K, input: OperationInput<K>, ctx: ControlPlaneContext) {
  const handler = handlers[name] as Handler<K>;
  return handler(input, ctx);
}

/** The stream an input names, for authorization decisions before the operation runs. */
export function streamOf(body: unknown): StreamRef {
  if (typeof body !== 'object' || body === null) return {};
  const { StreamName, StreamARN } = body as { StreamName?: unknown; StreamARN?: unknown };
  return {
    ...(typeof StreamName === 'string' ? { name: StreamName } : {}),
    ...(typeof StreamARN === 'string' ? { arn: StreamARN } : {}),
  };
}

function ref(input: { StreamName?: string | undefined; StreamARN?: string | undefined }): StreamRef {
  if (input.StreamName === undefined && input.StreamARN === undefined) {
    throw invalidArgument('Either StreamName or StreamARN must be given.');
  }
  return { name: input.StreamName, arn: input.StreamARN };
}

function streamInfo(s: StreamInfo): JsonObject {
  return {
    StreamName: s.name,
    StreamARN: s.arn,
    ...(s.deviceName !== undefined ? { DeviceName: s.deviceName } : {}),
    ...(s.mediaType !== undefined ? { MediaType: s.mediaType } : {}),
    KmsKeyId: s.kmsKeyId,
    Version: s.version,
    Status: s.status,
    CreationTime: s.creationTime.getTime() / 1000,
    DataRetentionInHours: s.dataRetentionHours,
  };
}

export function encodeNextToken(lastName: string): string {
  return Buffer.from(lastName, 'utf8').toString('base64');
}

function decodeNextToken(token: string): string {
  const name = Buffer.from(token, 'base64').toString('utf8');
  if (!STREAM_NAME.test(name) || encodeNextToken(name) !== token) {
    throw invalidArgument('NextToken is not a token this service returned.');
  }
  return name;
}
