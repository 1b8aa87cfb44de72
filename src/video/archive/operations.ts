/**
 * Kinesis Video archived media (restJson1, the data endpoint): ListFragments, GetHLSStreamingSessionURL
 * and GetClip, with the request shapes of @aws-sdk/client-kinesis-video-archived-media. Timestamps are
 * epoch seconds on the wire; a range selects fragments whose start lies in it (both ends inclusive).
 * HLS needs retention (NoDataRetentionException) and an H.264 track with avcC codec private data;
 * playlists and segments are served from the session URL (hls.ts) without re-encoding.
 */
import { z } from 'zod';
import { codecString } from '../h264/avcc.js';
import { buildMp4File } from '../mp4/mp4-file.js';
import type { VideoSample } from '../mp4/sample.js';
import { KvsError, invalidArgument } from '../errors.js';
import { STREAM_ARN, STREAM_NAME } from '../rules.js';
import type { Fragment } from '../fragments.js';
import type { StreamInfo, VideoStore } from '../store.js';
import type { Clock } from '../../util/clock.js';
import { readFragmentMedia } from './fragment-media.js';
import type { HlsSessions } from './sessions.js';

/** KVS: LIVE needs a fragment from the last 30 s. */
const LIVE_FRESHNESS_MS = 30_000;
/** GetClip: "the first 100 MB or the first 200 fragments". */
export const CLIP_MAX_FRAGMENTS = 200;
export const CLIP_MAX_BYTES = 100 * 1024 * 1024;

const streamRef = {
  StreamName: z.string().regex(STREAM_NAME).optional(),
  StreamARN: z.string().regex(STREAM_ARN).optional(),
};
const range = z.strictObject({ StartTimestamp: z.number(), EndTimestamp: z.number() });
const selectorType = z.enum(['PRODUCER_TIMESTAMP', 'SERVER_TIMESTAMP']);

const schemas = {
  ListFragments: z.strictObject({
    ...streamRef,
    MaxResults: z.number().int().min(1).max(1000).optional(),
    NextToken: z
      .string()
      .regex(/^[0-9]{47}$/)
      .optional(),
    FragmentSelector: z
      .strictObject({ FragmentSelectorType: selectorType, TimestampRange: range })
      .optional(),
  }),
  GetHLSStreamingSessionURL: z.strictObject({
    ...streamRef,
    PlaybackMode: z.enum(['LIVE', 'LIVE_REPLAY', 'ON_DEMAND']).optional(),
    HLSFragmentSelector: z
      .strictObject({
        FragmentSelectorType: selectorType.optional(),
        TimestampRange: z
          .strictObject({ StartTimestamp: z.number().optional(), EndTimestamp: z.number().optional() })
          .optional(),
      })
      .optional(),
    ContainerFormat: z.enum(['FRAGMENTED_MP4', 'MPEG_TS']).optional(),
    DiscontinuityMode: z.enum(['ALWAYS', 'NEVER', 'ON_DISCONTINUITY']).optional(),
    DisplayFragmentTimestamp: z.enum(['ALWAYS', 'NEVER']).optional(),
    Expires: z.number().int().min(300).max(43_200).optional(),
    MaxMediaPlaylistFragmentResults: z.number().int().min(1).max(5000).optional(),
  }),
  GetClip: z.strictObject({
    ...streamRef,
    ClipFragmentSelector: z.strictObject({ FragmentSelectorType: selectorType, TimestampRange: range }),
  }),
};

export type ArchiveOperation = keyof typeof schemas;
export const archiveOperationByPath: ReadonlyMap<string, ArchiveOperation> = new Map([
  ['/listFragments', 'ListFragments'],
  ['/getHLSStreamingSessionURL', 'GetHLSStreamingSessionURL'],
  ['/getClip', 'GetClip'],
]);

export interface ArchiveContext {
  readonly store: VideoStore;
  readonly sessions: HlsSessions;
  readonly clock: Clock;
  /** The data endpoint's base URL (session URLs start with it). */
  readonly baseUrl: () => string;
}

export function parseArchiveInput<K extends ArchiveOperation>(
  name: K,
  body: unknown,
): z.infer<(typeof schemas)[K]> {
  const result = schemas[name].safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalidArgument(`${name}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid request'}`);
  }
  return result.data as z.infer<(typeof schemas)[K]>;
}

export function archiveStream(
  store: VideoStore,
  input: { StreamName?: string | undefined; StreamARN?: string | undefined },
): StreamInfo {
  if (input.StreamName === undefined && input.StreamARN === undefined) {
    throw invalidArgument('Either StreamName or StreamARN must be given.');
  }
  return store.describeStream({ name: input.StreamName, arn: input.StreamARN });
}

const seconds = (ms: number) => ms / 1000;

export function listFragments(ctx: ArchiveContext, body: unknown): Record<string, unknown> {
  const input = parseArchiveInput('ListFragments', body);
  const stream = archiveStream(ctx.store, input);
  const page = ctx.store.listFragments({
    stream: stream.name,
    limit: input.MaxResults ?? 100,
    ...(input.NextToken === undefined ? {} : { after: input.NextToken }),
    ...(input.FragmentSelector === undefined
      ? {}
      : {
          range: {
            selector: input.FragmentSelector.FragmentSelectorType,
            startMs: input.FragmentSelector.TimestampRange.StartTimestamp * 1000,
            endMs: input.FragmentSelector.TimestampRange.EndTimestamp * 1000,
          },
        }),
  });
  return {
    Fragments: page.fragments.map((f) => ({
      FragmentNumber: f.number,
      FragmentSizeInBytes: f.sizeBytes,
      ProducerTimestamp: seconds(f.producerTimestampMs),
      ServerTimestamp: seconds(f.serverTimestampMs),
      FragmentLengthInMilliseconds: f.durationMs,
    })),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

export async function getHlsStreamingSessionUrl(
  ctx: ArchiveContext,
  body: unknown,
): Promise<Record<string, unknown>> {
  const input = parseArchiveInput('GetHLSStreamingSessionURL', body);
  const stream = archiveStream(ctx.store, input);
  if (stream.dataRetentionHours === 0) {
    throw new KvsError('NoDataRetentionException', `Stream ${stream.name} keeps no data (retention 0).`);
  }
  if (input.ContainerFormat === 'MPEG_TS') {
    throw invalidArgument('ContainerFormat MPEG_TS is not served by camlink; use FRAGMENTED_MP4.');
  }
  const mode = input.PlaybackMode ?? 'LIVE';
  const selector = input.HLSFragmentSelector?.FragmentSelectorType ?? 'SERVER_TIMESTAMP';
  const start = input.HLSFragmentSelector?.TimestampRange?.StartTimestamp;
  const end = input.HLSFragmentSelector?.TimestampRange?.EndTimestamp;
  const now = ctx.clock.now().getTime();
  let range: { selector: typeof selector; startMs: number; endMs: number } | undefined;
  if (mode === 'ON_DEMAND') {
    if (start === undefined || end === undefined) {
      throw invalidArgument(
        'ON_DEMAND needs HLSFragmentSelector.TimestampRange with StartTimestamp and EndTimestamp.',
      );
    }
    range = { selector, startMs: start * 1000, endMs: end * 1000 };
  } else if (mode === 'LIVE_REPLAY') {
    if (start === undefined) throw invalidArgument('LIVE_REPLAY needs TimestampRange.StartTimestamp.');
    range = { selector, startMs: start * 1000, endMs: (end ?? Number.MAX_SAFE_INTEGER / 1000) * 1000 };
  } else if (start !== undefined || end !== undefined) {
    throw invalidArgument('LIVE takes no TimestampRange.');
  }
  const maxFragments = input.MaxMediaPlaylistFragmentResults ?? (mode === 'ON_DEMAND' ? 1000 : 5);
  const fragments =
    range === undefined
      ? ctx.store.latestFragments(stream.name, 1)
      : ctx.store.listFragments({ stream: stream.name, range, limit: 1 }).fragments;
  const first = fragments[0];
  if (first === undefined)
    throw new KvsError(
      'ResourceNotFoundException',
      `No fragments in stream ${stream.name} for this selector.`,
    );
  if (mode === 'LIVE' && now - first.serverTimestampMs > LIVE_FRESHNESS_MS) {
    throw new KvsError(
      'ResourceNotFoundException',
      `Stream ${stream.name} has no fragment from the last 30 seconds.`,
    );
  }
  await checkCodec(first);
  const token = ctx.sessions.create({
    stream: stream.name,
    mode,
    ...(range === undefined ? {} : { range }),
    maxFragments,
    expiresAt: now + (input.Expires ?? 300) * 1000,
  });
  return {
    HLSStreamingSessionURL: `${ctx.baseUrl()}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=${token}`,
  };
}

/** The fragments a session's playlist lists now, oldest first. */
export function sessionFragments(
  ctx: ArchiveContext,
  session: {
    stream: string;
    mode: string;
    range?: { selector: 'PRODUCER_TIMESTAMP' | 'SERVER_TIMESTAMP'; startMs: number; endMs: number };
    maxFragments: number;
  },
): Fragment[] {
  if (session.range === undefined) return ctx.store.latestFragments(session.stream, session.maxFragments);
  return ctx.store.listFragments({
    stream: session.stream,
    range: session.range,
    limit: session.maxFragments,
  }).fragments;
}

/** MissingCodecPrivateDataException / InvalidCodecPrivateDataException as KVS answers them. */
export async function checkCodec(fragment: Fragment): Promise<string> {
  const media = await readFragmentMedia(fragment);
  if (media.track.codecPrivate.length === 0) {
    throw new KvsError(
      'MissingCodecPrivateDataException',
      'The stream has no codec private data in track 1.',
    );
  }
  if (!/^V_MPEG4?\/ISO\/AVC$/.test(media.mkvTrack.codecId)) {
    throw new KvsError(
      'UnsupportedStreamMediaTypeException',
      `Track 1 is ${media.mkvTrack.codecId}, not H.264.`,
    );
  }
  try {
    return codecString(media.track.codecPrivate);
  } catch {
    throw new KvsError(
      'InvalidCodecPrivateDataException',
      'The codec private data of track 1 is not an avcC record.',
    );
  }
}

export async function getClip(ctx: ArchiveContext, body: unknown): Promise<Uint8Array> {
  const input = parseArchiveInput('GetClip', body);
  const stream = archiveStream(ctx.store, input);
  const r = input.ClipFragmentSelector.TimestampRange;
  const { fragments } = ctx.store.listFragments({
    stream: stream.name,
    range: {
      selector: input.ClipFragmentSelector.FragmentSelectorType,
      startMs: r.StartTimestamp * 1000,
      endMs: r.EndTimestamp * 1000,
    },
    limit: CLIP_MAX_FRAGMENTS,
  });
  if (fragments.length === 0)
    throw new KvsError('ResourceNotFoundException', 'No fragments in the requested range.');
  await checkCodec(fragments[0] as Fragment);
  const samples: VideoSample[] = [];
  let bytes = 0;
  let track;
  for (const f of fragments) {
    if (bytes + f.sizeBytes > CLIP_MAX_BYTES) break;
    const media = await readFragmentMedia(f);
    track ??= media.track;
    samples.push(...media.samples);
    bytes += f.sizeBytes;
  }
  if (track === undefined)
    throw new KvsError('ResourceNotFoundException', 'No fragments in the requested range.');
  return buildMp4File(track, samples);
}
