/** The Kinesis Video Streams side of teardown over @aws-sdk/client-kinesis-video. */
import {
  DeleteStreamCommand,
  ListStreamsCommand,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import type { KvsPort } from './ports.js';

export function sdkKvsPort(kvs: KinesisVideoClient): KvsPort {
  return {
    async listStreams(NextToken) {
      const out = await kvs.send(new ListStreamsCommand({ MaxResults: 1000, NextToken }));
      return {
        items: (out.StreamInfoList ?? []).map((s) => ({
          name: s.StreamName ?? '',
          arn: s.StreamARN ?? '',
          status: s.Status ?? 'UNKNOWN',
        })),
        next: out.NextToken || undefined,
      };
    },
    async deleteStream(StreamARN) {
      await kvs.send(new DeleteStreamCommand({ StreamARN }));
    },
  };
}
