/**
 * The HLS session URLs of GetHLSStreamingSessionURL (`/hls/v1/...?SessionToken=`), in KVS's shapes:
 * getHLSMasterPlaylist.m3u8 -> getHLSMediaPlaylist.m3u8 -> getMP4InitFragment.mp4 and one
 * getMP4MediaFragment.mp4?FragmentNumber= per stored fragment (fMP4, remuxed from the stored MKV, never
 * re-encoded). LIVE lists the newest fragments with a stable media sequence; ON_DEMAND the range with
 * EXT-X-ENDLIST. The token is the only credential, as on KVS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildMasterPlaylist, buildMediaPlaylist } from '../hls/playlists.js';
import { buildInitSegment } from '../mp4/init-segment.js';
import { buildMediaSegment } from '../mp4/media-segment.js';
import { KvsError } from '../errors.js';
import { readFragmentMedia } from './fragment-media.js';
import { checkCodec, sessionFragments, type ArchiveContext } from './operations.js';

const FRAGMENT_NUMBER = /^[0-9]{47}$/;

export async function serveHls(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ArchiveContext,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET')
    throw new KvsError('UnknownOperationException', `No operation ${req.method ?? ''} ${url.pathname}.`);
  const token = url.searchParams.get('SessionToken');
  const session = ctx.sessions.get(token);
  const q = `SessionToken=${encodeURIComponent(token ?? '')}`;
  const fragments = sessionFragments(ctx, session);
  const first = fragments[0];
  if (first === undefined)
    throw new KvsError('ResourceNotFoundException', `No fragments in stream ${session.stream} now.`);

  switch (url.pathname) {
    case '/hls/v1/getHLSMasterPlaylist.m3u8': {
      const codec = await checkCodec(first);
      const media = await readFragmentMedia(first);
      const bits = fragments.reduce(
        (max, f) => Math.max(max, (f.sizeBytes * 8 * 1000) / Math.max(1, f.durationMs)),
        1,
      );
      const text = buildMasterPlaylist([
        {
          uri: `getHLSMediaPlaylist.m3u8?${q}&TrackNumber=1`,
          bandwidth: Math.ceil(bits),
          codecs: [codec],
          ...(media.track.width !== undefined && media.track.height !== undefined
            ? { width: media.track.width, height: media.track.height }
            : {}),
        },
      ]);
      return send(res, 'application/vnd.apple.mpegurl', text);
    }
    case '/hls/v1/getHLSMediaPlaylist.m3u8': {
      const text = buildMediaPlaylist({
        mode: session.mode === 'ON_DEMAND' ? 'ON_DEMAND' : 'LIVE',
        mapUri: `getMP4InitFragment.mp4?${q}&TrackNumber=1`,
        mediaSequence:
          session.range === undefined ? ctx.store.fragmentPosition(session.stream, first.number) : 0,
        segments: fragments.map((f) => ({
          uri: `getMP4MediaFragment.mp4?FragmentNumber=${f.number}&${q}&TrackNumber=1`,
          duration: f.durationMs / 1000,
          programDateTime: new Date(f.producerTimestampMs),
        })),
      });
      return send(res, 'application/vnd.apple.mpegurl', text);
    }
    case '/hls/v1/getMP4InitFragment.mp4': {
      const media = await readFragmentMedia(first);
      return send(res, 'video/mp4', buildInitSegment(media.track));
    }
    case '/hls/v1/getMP4MediaFragment.mp4': {
      const number = url.searchParams.get('FragmentNumber') ?? '';
      const fragment = FRAGMENT_NUMBER.test(number) ? ctx.store.fragment(session.stream, number) : undefined;
      if (fragment === undefined)
        throw new KvsError('ResourceNotFoundException', `No fragment ${number} in this session.`);
      const media = await readFragmentMedia(fragment);
      const sequenceNumber = ctx.store.fragmentPosition(session.stream, fragment.number) + 1;
      return send(res, 'video/mp4', buildMediaSegment(media.track, media.samples, { sequenceNumber }));
    }
    default:
      throw new KvsError('UnknownOperationException', `No operation GET ${url.pathname}.`);
  }
}

function send(res: ServerResponse, type: string, body: string | Uint8Array): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(200, { 'content-type': type, 'content-length': bytes.length, 'cache-control': 'no-cache' });
  res.end(bytes);
}
