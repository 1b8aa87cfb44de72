/**
 * The backend's side of Kinesis Video Streams, with the official SDK clients (against `camlink up`'s
 * video service or AWS alike): one stream per camera, named after its thing (the camera role may only
 * reach that one, src/contracts/camera-role.ts), created when the camera is provisioned; and HLS
 * session URLs for the people allowed to watch it (GetDataEndpoint, then GetHLSStreamingSessionURL).
 */
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type KinesisVideoClientConfig,
} from '@aws-sdk/client-kinesis-video';
import {
  GetHLSStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
  NoDataRetentionException,
  ResourceNotFoundException as ArchivedNotFound,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { cameraStreamName } from '../../contracts/camera-role.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import type { Clock } from '../../util/clock.js';
import { upstream } from './upstream.js';

export interface VideoStreamSettings {
  readonly retentionHours: number;
  readonly hlsExpiresSeconds: number;
  /** The streams' region (`backend.video.region`); undefined: the clients' configured region. */
  readonly region?: string | undefined;
}

export interface HlsRequest {
  readonly mode: 'LIVE' | 'ON_DEMAND';
  /** ON_DEMAND: the producer-time range. */
  readonly start?: Date;
  readonly end?: Date;
}

export interface VideoStreams {
  /** Creates the camera's stream unless it exists; resolves with its ARN. */
  ensureStream(deviceId: string): Promise<{ streamName: string; streamArn: string; created: boolean }>;
  /** An HLS session URL for the camera's stream. */
  hlsUrl(deviceId: string, request: HlsRequest): Promise<{ url: string; expiresAt: string }>;
  close(): void;
}

export class KvsVideoStreams implements VideoStreams {
  private readonly config: Omit<KinesisVideoClientConfig, 'endpoint'> & { endpoint?: string };
  private readonly kvs: KinesisVideoClient;
  private readonly archived = new Map<string, KinesisVideoArchivedMediaClient>();

  /** `settings.region`, when set, overrides the config's region for both KVS clients. */
  constructor(
    config: Omit<KinesisVideoClientConfig, 'endpoint'> & { endpoint?: string },
    private readonly settings: VideoStreamSettings,
    private readonly clock: Clock,
  ) {
    this.config = settings.region === undefined ? config : { ...config, region: settings.region };
    this.kvs = new KinesisVideoClient(this.config);
  }

  /** The region the KVS clients sign for and, without an endpoint override, call. */
  region(): Promise<string> {
    return this.kvs.config.region();
  }

  async ensureStream(deviceId: string) {
    const streamName = cameraStreamName(deviceId);
    try {
      const out = await this.kvs.send(
        new CreateStreamCommand({
          StreamName: streamName,
          DeviceName: deviceId,
          MediaType: 'video/h264',
          DataRetentionInHours: this.settings.retentionHours,
        }),
      );
      return { streamName, streamArn: out.StreamARN ?? '', created: true };
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw upstream('KVS CreateStream', err);
    }
    try {
      const out = await this.kvs.send(new DescribeStreamCommand({ StreamName: streamName }));
      return { streamName, streamArn: out.StreamInfo?.StreamARN ?? '', created: false };
    } catch (err) {
      throw upstream('KVS DescribeStream', err);
    }
  }

  async hlsUrl(deviceId: string, request: HlsRequest) {
    const StreamName = cameraStreamName(deviceId);
    let endpoint: string;
    try {
      const out = await this.kvs.send(
        new GetDataEndpointCommand({ StreamName, APIName: 'GET_HLS_STREAMING_SESSION_URL' }),
      );
      endpoint = out.DataEndpoint ?? '';
    } catch (err) {
      if (err instanceof ResourceNotFoundException) {
        throw new CamlinkError('VIDEO_NOT_AVAILABLE', `device ${deviceId} has no video stream`);
      }
      throw upstream('KVS GetDataEndpoint', err);
    }
    const client = this.archivedClient(endpoint);
    const expires = this.settings.hlsExpiresSeconds;
    try {
      const out = await client.send(
        new GetHLSStreamingSessionURLCommand({
          StreamName,
          PlaybackMode: request.mode,
          Expires: expires,
          ...(request.mode === 'ON_DEMAND'
            ? {
                HLSFragmentSelector: {
                  FragmentSelectorType: 'PRODUCER_TIMESTAMP',
                  TimestampRange: { StartTimestamp: request.start, EndTimestamp: request.end },
                },
              }
            : {}),
        }),
      );
      return {
        url: out.HLSStreamingSessionURL ?? '',
        expiresAt: new Date(this.clock.now().getTime() + expires * 1000).toISOString(),
      };
    } catch (err) {
      if (err instanceof ArchivedNotFound || err instanceof NoDataRetentionException) {
        throw new CamlinkError(
          'VIDEO_NOT_AVAILABLE',
          request.mode === 'LIVE'
            ? `device ${deviceId} has sent no video in the last 30 seconds`
            : `device ${deviceId} has no video in that time range`,
        );
      }
      throw upstream('KVS GetHLSStreamingSessionURL', err);
    }
  }

  private archivedClient(endpoint: string): KinesisVideoArchivedMediaClient {
    let client = this.archived.get(endpoint);
    if (client === undefined) {
      client = new KinesisVideoArchivedMediaClient({ ...this.config, endpoint });
      this.archived.set(endpoint, client);
    }
    return client;
  }

  close(): void {
    this.kvs.destroy();
    for (const c of this.archived.values()) c.destroy();
  }
}
