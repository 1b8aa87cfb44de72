/**
 * Where the camera sends its video: DescribeStream (the stream must exist: the backend creates it,
 * named after the thing) then GetDataEndpoint(PUT_MEDIA), with @aws-sdk/client-kinesis-video and the
 * camera's temporary credentials. `endpoint` is endpoints.json `kvs` (the embedded platform); without
 * it the SDK resolves real Kinesis Video Streams in `region`.
 */
import https from 'node:https';
import {
  DescribeStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CamlinkError } from '../../errors/camlink-error.js';
import type { AwsCredentials } from './put-media-signing.js';

export interface PutMediaEndpointOptions {
  readonly streamName: string;
  readonly region: string;
  readonly credentials: () => Promise<AwsCredentials>;
  /** The control plane URL (endpoints.json `kvs`); absent: AWS. */
  readonly endpoint?: string;
  /** Trust anchor for the control plane; absent: the system roots. */
  readonly ca?: string | Buffer | (string | Buffer)[];
}

export interface PutMediaEndpoint {
  /** Base URL of the data plane; PutMedia is POST <dataEndpoint>/putMedia. */
  readonly dataEndpoint: string;
  readonly streamArn: string | undefined;
  readonly status: string | undefined;
  /** 0: the stream keeps nothing, so KVS sends no PERSISTED acknowledgements. */
  readonly dataRetentionInHours: number;
}

export async function discoverPutMediaEndpoint(options: PutMediaEndpointOptions): Promise<PutMediaEndpoint> {
  const agent = new https.Agent({
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    keepAlive: false,
  });
  const client = new KinesisVideoClient({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    credentials: options.credentials,
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({
      httpsAgent: agent,
      connectionTimeout: 10_000,
      requestTimeout: 30_000,
    }),
  });
  const where = options.endpoint ?? `Kinesis Video Streams in ${options.region}`;
  try {
    const described = await client
      .send(new DescribeStreamCommand({ StreamName: options.streamName }))
      .catch((err: unknown) => {
        throw kvsError(err, `DescribeStream ${options.streamName} at ${where}`, options.streamName);
      });
    const info = described.StreamInfo;
    if (info?.Status !== undefined && info.Status !== 'ACTIVE') {
      throw new CamlinkError(
        'DEVICE_STREAM_NOT_FOUND',
        `stream ${options.streamName} is ${info.Status}, not ACTIVE, at ${where}`,
      );
    }
    const data = await client
      .send(new GetDataEndpointCommand({ StreamName: options.streamName, APIName: 'PUT_MEDIA' }))
      .catch((err: unknown) => {
        throw kvsError(
          err,
          `GetDataEndpoint(PUT_MEDIA) ${options.streamName} at ${where}`,
          options.streamName,
        );
      });
    if (data.DataEndpoint === undefined || !/^https?:\/\//.test(data.DataEndpoint)) {
      throw new CamlinkError('DEVICE_KVS_FAILED', `GetDataEndpoint at ${where} returned no http(s) endpoint`);
    }
    return {
      dataEndpoint: data.DataEndpoint.replace(/\/+$/, ''),
      streamArn: info?.StreamARN,
      status: info?.Status,
      dataRetentionInHours: info?.DataRetentionInHours ?? 0,
    };
  } finally {
    client.destroy();
    agent.destroy();
  }
}

/** An SDK failure as a coded error: a missing stream by name, other 4xx refused, the rest failed. */
function kvsError(err: unknown, what: string, streamName: string): CamlinkError {
  if (err instanceof CamlinkError) return err;
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'ResourceNotFoundException') {
    return new CamlinkError(
      'DEVICE_STREAM_NOT_FOUND',
      `${what}: no stream named ${streamName}; the operator creates it with ` +
        `\`camlink device stream create ${streamName}\` (cameras provisioned through the backend have one)`,
      { cause: err },
    );
  }
  const status = httpStatusOf(err);
  const code =
    status !== undefined && status >= 400 && status < 500 ? 'DEVICE_KVS_REFUSED' : 'DEVICE_KVS_FAILED';
  return new CamlinkError(code, `${what}: ${name}: ${message}`, {
    cause: err,
    ...(status === undefined ? {} : { details: { status } }),
  });
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('$metadata' in err)) return undefined;
  const metadata: unknown = err.$metadata;
  if (typeof metadata !== 'object' || metadata === null || !('httpStatusCode' in metadata)) return undefined;
  return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
