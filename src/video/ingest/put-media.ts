/**
 * PutMedia (API_dataplane_PutMedia): `POST /putMedia` with the stream in `x-amzn-stream-name` or
 * `-arn`, `x-amzn-fragment-timecode-type` (ABSOLUTE | RELATIVE with `x-amzn-producer-start-timestamp`)
 * and an MKV body streamed with chunked encoding. SigV4 (service kinesisvideo) over the headers with
 * the empty-body hash, as the producer SDKs sign (or UNSIGNED-PAYLOAD). The answer is 200 at once, then
 * acknowledgement lines while the body still arrives: BUFFERING, RECEIVED, PERSISTED per fragment, or
 * one ERROR and the end of the request. A fragment is kept only when its Cluster is complete and
 * durable: a connection dropped mid-fragment loses that fragment alone; a malformed body is refused
 * from where it goes wrong and leaves the stream usable for the next PutMedia.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { CredentialRecord } from '../../auth/credentials.js';
import { headersFromRaw } from '../../auth/sigv4/headers.js';
import type { SigV4Request } from '../../auth/sigv4/verify.js';
import { parseQuery } from '../../auth/sigv4/encoding.js';
import type { Logger } from '../../log/logger.js';
import { SECRET_FILE_MODE, writeFileAtomic } from '../../util/atomic-file.js';
import { MkvError } from '../mkv/errors.js';
import { MkvReader } from '../mkv/reader.js';
import { mkvCluster, mkvHeader } from '../mkv/writer.js';
import { resolveTrack } from '../mp4/sample.js';
import { authenticateKvs, type KvsAuthOptions } from '../auth.js';
import { KvsError, invalidArgument } from '../errors.js';
import { STREAM_ARN, STREAM_NAME } from '../rules.js';
import type { StreamInfo, VideoStore } from '../store.js';
import { ackLine, errorAck, PutMediaFailure, type Ack } from './acks.js';
import { Fragmenter, type AssembledFragment } from './fragmenter.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const AVC_CODEC_IDS = new Set(['V_MPEG4/ISO/AVC', 'V_MPEG/ISO/AVC']);

export interface PutMediaOptions extends KvsAuthOptions {
  readonly store: VideoStore;
  /** May this credential PutMedia to this stream? (the camera role's policy for temporary credentials) */
  readonly authorize: (credential: CredentialRecord, streamArn: string) => boolean;
  /** Without data for this long, the request ends (KVS: IDLE acks, then the connection closes). */
  readonly idleTimeoutMs: number;
  readonly logger?: Logger;
}

/** What PutMedia remembers per stream across connections. */
export class IngestState {
  /** Streams with a PutMedia in progress (one producer per stream at a time). */
  readonly active = new Set<string>();
  /** The last frame time of each stream's last fragment (producer ms). */
  readonly lastFrameMs = new Map<string, number>();
}

export async function handlePutMedia(
  req: IncomingMessage,
  res: ServerResponse,
  options: PutMediaOptions,
  state: IngestState,
): Promise<void> {
  const stream = admit(req, options);
  const key = stream.arn;
  if (state.active.has(key)) {
    throw new KvsError(
      'ConnectionLimitExceededException',
      `Stream ${stream.name} already has a PutMedia connection.`,
    );
  }
  const timecodeType = header(req, 'x-amzn-fragment-timecode-type');
  if (timecodeType !== 'ABSOLUTE' && timecodeType !== 'RELATIVE') {
    throw invalidArgument('x-amzn-fragment-timecode-type must be ABSOLUTE or RELATIVE.');
  }
  const start = header(req, 'x-amzn-producer-start-timestamp');
  const producerStartMs = start === undefined ? undefined : Math.round(Number(start) * 1000);
  if (
    start !== undefined &&
    (!/^\d{1,12}(\.\d{1,9})?$/.test(start) || !Number.isSafeInteger(producerStartMs))
  ) {
    throw invalidArgument(
      'x-amzn-producer-start-timestamp must be seconds since the epoch, e.g. 1700000000.123.',
    );
  }
  if (timecodeType === 'RELATIVE' && producerStartMs === undefined) {
    throw invalidArgument('RELATIVE timecodes need x-amzn-producer-start-timestamp.');
  }

  state.active.add(key);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.flushHeaders();
  const ack = (a: Ack) => {
    if (!res.destroyed) res.write(ackLine(a));
  };
  const reader = new MkvReader();
  const fragmenter = new Fragmenter({
    timecodeType,
    producerStartMs: producerStartMs ?? 0,
    previousLastFrameMs: state.lastFrameMs.get(key),
  });
  let number: string | undefined;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      ack({ EventType: 'IDLE' });
      res.end();
      req.destroy();
    }, options.idleTimeoutMs);
  };

  const handle = async (outputs: ReturnType<Fragmenter['push']>) => {
    for (const out of outputs) {
      if (out.type === 'buffering') {
        number = options.store.reserveFragmentNumber();
        ack({ EventType: 'BUFFERING', FragmentTimecode: out.timecodeMs, FragmentNumber: number });
        continue;
      }
      const fragmentNumber = number ?? options.store.reserveFragmentNumber();
      number = undefined;
      ack({
        EventType: 'RECEIVED',
        FragmentTimecode: out.fragment.timecodeMs,
        FragmentNumber: fragmentNumber,
      });
      const persisted = await persist(options.store, stream, fragmentNumber, out.fragment);
      state.lastFrameMs.set(key, fragmenter.lastFragmentFrameMs ?? out.fragment.producerTimestampMs);
      if (persisted) {
        ack({
          EventType: 'PERSISTED',
          FragmentTimecode: out.fragment.timecodeMs,
          FragmentNumber: fragmentNumber,
        });
      }
    }
  };

  try {
    armIdle();
    for await (const chunk of req as AsyncIterable<Buffer>) {
      armIdle();
      for (const event of reader.push(chunk)) await handle(fragmenter.push(event));
    }
    for (const event of reader.end()) await handle(fragmenter.push(event));
    await handle(fragmenter.end());
    res.end();
  } catch (err) {
    const failure = asFailure(err);
    if (failure === undefined) {
      // The producer went away (reset, abort): what is not complete is dropped.
      options.logger?.info({ stream: stream.name, err: String(err) }, 'PutMedia connection ended early');
      res.destroy();
      return;
    }
    options.logger?.warn(
      { stream: stream.name, code: failure.code, reason: failure.message },
      'PutMedia refused',
    );
    ack(errorAck(failure, number));
    res.end();
    req.resume();
  } finally {
    clearTimeout(idle);
    state.active.delete(key);
  }
}

function asFailure(err: unknown): PutMediaFailure | undefined {
  if (err instanceof PutMediaFailure) return err;
  if (err instanceof MkvError) return new PutMediaFailure('INVALID_MKV_DATA', err.message);
  if (err instanceof KvsError) return new PutMediaFailure('INTERNAL_ERROR', err.message);
  return undefined;
}

/** Authenticates, finds the stream, checks the caller may PutMedia to it. */
function admit(req: IncomingMessage, options: PutMediaOptions): StreamInfo {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const request: SigV4Request = {
    method: req.method ?? 'POST',
    rawPath: q < 0 ? url : url.slice(0, q),
    query: parseQuery(q < 0 ? '' : url.slice(q + 1)),
    headers: headersFromRaw(req.rawHeaders),
    // A streamed body is signed as empty (the producer SDKs) or UNSIGNED-PAYLOAD.
    bodySha256: EMPTY_SHA256,
  };
  const { credential, payloadHash } = authenticateKvs(request, options);
  if (payloadHash !== EMPTY_SHA256 && payloadHash !== 'UNSIGNED-PAYLOAD') {
    throw new KvsError(
      'InvalidSignatureException',
      'PutMedia streams its body: sign it with the empty-body hash or UNSIGNED-PAYLOAD.',
    );
  }
  const name = header(req, 'x-amzn-stream-name');
  const arn = header(req, 'x-amzn-stream-arn');
  if (name === undefined && arn === undefined) {
    throw invalidArgument('x-amzn-stream-name or x-amzn-stream-arn is required.');
  }
  if (name !== undefined && !STREAM_NAME.test(name))
    throw invalidArgument('x-amzn-stream-name is not valid.');
  if (arn !== undefined && !STREAM_ARN.test(arn)) throw invalidArgument('x-amzn-stream-arn is not valid.');
  const stream = options.store.describeStream({ name, arn });
  if (!options.authorize(credential, stream.arn)) {
    throw new KvsError('NotAuthorizedException', `The caller may not PutMedia to ${stream.name}.`);
  }
  return stream;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Writes the fragment's video track as a self-contained MKV (header + one Cluster at the producer
 * timestamp) and records it; false when the stream keeps nothing (retention 0).
 */
async function persist(
  store: VideoStore,
  stream: StreamInfo,
  number: string,
  fragment: AssembledFragment,
): Promise<boolean> {
  if (stream.dataRetentionHours === 0) {
    store.addFragment({ ...record(stream, number, fragment), file: `${number}.mkv` });
    return false;
  }
  const video = fragment.tracks.find((t) => t.type === 1) ?? fragment.tracks[0];
  if (video === undefined) throw new PutMediaFailure('INVALID_MKV_DATA', 'no track');
  const frames = fragment.frames.filter((f) => f.track === video.number);
  let width = video.width;
  let height = video.height;
  if ((width === undefined || height === undefined) && AVC_CODEC_IDS.has(video.codecId)) {
    try {
      const resolved = resolveTrack({ codecPrivate: video.codecPrivate, timescale: 1000 });
      width = resolved.width;
      height = resolved.height;
    } catch {
      // Not decodable as avcC: kept as it came; HLS refuses it later with a clear error.
    }
  }
  const base = fragment.producerTimestampMs;
  const bytes = Buffer.concat([
    mkvHeader({
      codecPrivate: video.codecPrivate,
      codecId: video.codecId,
      width: width ?? 1,
      height: height ?? 1,
    }),
    mkvCluster(
      base,
      frames.map((f) => ({ data: f.data, relativeTimecode: f.timeMs - base, keyframe: f.keyframe })),
    ),
  ]);
  const file = `${number}.mkv`;
  try {
    await writeFileAtomic(join(store.mediaDir(stream), file), bytes, {
      mode: SECRET_FILE_MODE,
      overwrite: false,
    });
  } catch (err) {
    throw new PutMediaFailure(
      'ARCHIVAL_ERROR',
      `the fragment could not be stored: ${String(err)}`,
      fragment.timecodeMs,
    );
  }
  return store.addFragment({ ...record(stream, number, fragment), file }).persisted;
}

function record(stream: StreamInfo, number: string, fragment: AssembledFragment) {
  return {
    stream: stream.name,
    number,
    producerTimestampMs: fragment.producerTimestampMs,
    durationMs: fragment.durationMs,
    sizeBytes: fragment.sizeBytes,
  };
}
