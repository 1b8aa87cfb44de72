/**
 * `streamToKvs`: the camera side of Kinesis Video Streams, end to end: temporary credentials from the
 * IoT credentials provider, the stream's PUT_MEDIA data endpoint, the ffmpeg MKV source, one PutMedia
 * call. The same code streams to the embedded platform (endpoints.json `kvs`) or to real AWS (no
 * endpoint: the SDK's regional one). Stops when the source ends (`durationSeconds`) or `signal` aborts;
 * reports progress through `onProgress` and returns a summary.
 */
import { cameraStreamName } from '../../contracts/camera-role.js';
import type { Clock } from '../../util/clock.js';
import { defaultTrustPlus } from '../trust.js';
import type { PutMediaAck } from './ack-lines.js';
import { deviceCredentialProvider } from './credentials.js';
import { discoverPutMediaEndpoint } from './kvs-endpoint.js';
import { putMedia } from './put-media.js';
import { startVideoSource } from './source.js';

export interface StreamToKvsOptions {
  readonly deviceId: string;
  readonly certificatePem: string | Buffer;
  readonly keyPem: string | Buffer;
  /** The IoT credentials provider (endpoints.json `iotCredentials`). */
  readonly credentialsUrl: string;
  /** The role alias to ask the credentials provider for; default camlink-camera. */
  readonly roleAlias?: string;
  /** The region of the camera's video stream (KVS; signing). */
  readonly region: string;
  /** The KVS control plane (endpoints.json `kvs`); absent: AWS in `region`. */
  readonly kvsEndpoint?: string;
  /** Trust of the credentials provider (the IoT CA; replaces the system roots); absent: system roots. */
  readonly ca?: string | Buffer;
  /** An extra CA for KVS, trusted on top of the default store (src/device/trust.ts). */
  readonly kvsCa?: string | Buffer;
  /** Seconds of video; absent: until `signal` aborts. */
  readonly durationSeconds?: number;
  /** A media file to stream instead of the test pattern. */
  readonly file?: string;
  /** Pace the video in real time (default true). */
  readonly realtime?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: StreamProgress) => void;
  readonly ackTimeoutMs?: number;
  readonly clock?: Clock;
  readonly ffmpegPath?: string;
}

export type StreamProgress =
  | { readonly kind: 'connected'; readonly streamName: string; readonly dataEndpoint: string }
  | { readonly kind: 'fragment'; readonly fragment: number; readonly bytesSent: number }
  | {
      readonly kind: 'ack';
      readonly ack: PutMediaAck;
      /** This acknowledgement settles its fragment (RECEIVED, or PERSISTED for a stream with retention; ERROR). */
      readonly final: boolean;
      readonly fragmentsSent: number;
      readonly fragmentsAcknowledged: number;
      readonly bytesSent: number;
    };

export interface StreamSummary {
  readonly streamName: string;
  readonly dataEndpoint: string;
  readonly fragmentsSent: number;
  readonly fragmentsReceived: number;
  readonly fragmentsPersisted: number;
  readonly bytesSent: number;
  /** ERROR acknowledgements. */
  readonly errors: readonly PutMediaAck[];
  /** Every fragment sent was acknowledged and none with ERROR. */
  readonly ok: boolean;
}

export async function streamToKvs(options: StreamToKvsOptions): Promise<StreamSummary> {
  const streamName = cameraStreamName(options.deviceId);
  const credentials = deviceCredentialProvider({
    url: options.credentialsUrl,
    deviceId: options.deviceId,
    certificatePem: options.certificatePem,
    keyPem: options.keyPem,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.roleAlias === undefined ? {} : { roleAlias: options.roleAlias }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  // KVS is not an IoT endpoint: its certificates are public on AWS (system roots), plus kvsCa.
  const kvsCa = defaultTrustPlus(options.kvsCa);
  await credentials();
  const endpoint = await discoverPutMediaEndpoint({
    streamName,
    region: options.region,
    credentials,
    ...(options.kvsEndpoint === undefined ? {} : { endpoint: options.kvsEndpoint }),
    ...(kvsCa === undefined ? {} : { ca: kvsCa }),
  });
  options.signal?.throwIfAborted();
  /** A stream that keeps data acknowledges PERSISTED; one with retention 0 only RECEIVED. */
  const persisting = endpoint.dataRetentionInHours > 0;
  options.onProgress?.({ kind: 'connected', streamName, dataEndpoint: endpoint.dataEndpoint });
  const source = startVideoSource({
    ...(options.durationSeconds === undefined ? {} : { durationSeconds: options.durationSeconds }),
    ...(options.file === undefined ? {} : { file: options.file }),
    ...(options.realtime === undefined ? {} : { realtime: options.realtime }),
    ...(options.ffmpegPath === undefined ? {} : { ffmpegPath: options.ffmpegPath }),
  });
  const stop = () => void source.stop().catch(() => undefined);
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const upload = putMedia({
      dataEndpoint: endpoint.dataEndpoint,
      streamName,
      region: options.region,
      credentials,
      body: source.stream,
      awaitPersisted: persisting,
      ...(kvsCa === undefined ? {} : { ca: kvsCa }),
      ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    upload.on('fragment', (fragment) =>
      options.onProgress?.({ kind: 'fragment', fragment, bytesSent: upload.stats.bytesSent }),
    );
    upload.on('ack', (ack) => {
      const s = upload.stats;
      options.onProgress?.({
        kind: 'ack',
        ack,
        final: ack.type === 'ERROR' || ack.type === (persisting ? 'PERSISTED' : 'RECEIVED'),
        fragmentsSent: s.fragmentsSent,
        fragmentsAcknowledged: persisting ? s.fragmentsPersisted : s.fragmentsReceived,
        bytesSent: s.bytesSent,
      });
    });
    const result = await upload.result;
    const acknowledged = persisting ? result.fragmentsPersisted : result.fragmentsReceived;
    return {
      streamName,
      dataEndpoint: endpoint.dataEndpoint,
      fragmentsSent: result.fragmentsSent,
      fragmentsReceived: result.fragmentsReceived,
      fragmentsPersisted: result.fragmentsPersisted,
      bytesSent: result.bytesSent,
      errors: result.errors,
      ok: result.errors.length === 0 && result.fragmentsSent > 0 && acknowledged === result.fragmentsSent,
    };
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await source.stop().catch(() => undefined);
  }
}
