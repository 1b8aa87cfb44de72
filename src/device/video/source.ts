/**
 * The camera's video: a live MKV/H.264 stream from ffmpeg on stdout, shaped for Kinesis Video
 * Streams: baseline profile, no B-frames, a keyframe every second and no scene-cut keyframes (one
 * Cluster, so one KVS fragment, per second), no CRC-32 elements, a Segment of unknown size
 * (`-live 1`). The picture is ffmpeg's test pattern, or an existing file (video track copied).
 * `realtime` paces it at its frame rate (`-re`); without it, tests get the bytes at once.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { CamlinkError } from '../../errors/camlink-error.js';

export interface VideoSourceOptions {
  /** Stop after this many seconds of video (ffmpeg -t); default: until stop(). */
  readonly durationSeconds?: number;
  /** Pace at the frame rate (-re). Default true. */
  readonly realtime?: boolean;
  /** Stream this media file (its first video track, copied) instead of the test pattern. */
  readonly file?: string;
  /** Default: `ffmpeg` on the PATH. */
  readonly ffmpegPath?: string;
}

export interface VideoSource {
  /** The MKV bytes. Fails with DEVICE_SOURCE_FAILED (ffmpeg's message) or DEVICE_FFMPEG_MISSING. */
  readonly stream: Readable;
  /** Ends the video: ffmpeg finishes the stream (SIGINT), killed if it does not exit within 5 s. */
  stop(): Promise<void>;
}

/** Test pattern, 640x360 at 25 frames per second. */
export const TEST_PATTERN = 'testsrc=size=640x360:rate=25';

export function ffmpegArguments(options: VideoSourceOptions): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  if (options.realtime ?? true) args.push('-re');
  if (options.file === undefined) {
    args.push('-f', 'lavfi', '-i', TEST_PATTERN);
  } else {
    args.push('-i', options.file);
  }
  if (options.durationSeconds !== undefined) args.push('-t', String(options.durationSeconds));
  if (options.file === undefined) {
    args.push(
      ...['-c:v', 'libx264', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-bf', '0'],
      ...['-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-tune', 'zerolatency'],
    );
  } else {
    args.push('-map', '0:v:0', '-c:v', 'copy');
  }
  // In live mode ffmpeg's muxer starts a new Cluster every 32 KiB, i.e. fragments that do not start
  // with a key frame; with these limits Clusters start at key frames (one fragment per GOP), as the
  // KVS producers cut them.
  args.push('-an', '-write_crc32', '0', '-cluster_size_limit', '50000000', '-cluster_time_limit', '2000');
  args.push('-f', 'matroska', '-live', '1', 'pipe:1');
  return args;
}

const MAX_STDERR = 4096;

export function startVideoSource(options: VideoSourceOptions = {}): VideoSource {
  const ffmpeg = options.ffmpegPath ?? 'ffmpeg';
  const child: ChildProcessByStdio<Writable | null, Readable, Readable> = spawn(
    ffmpeg,
    ffmpegArguments(options),
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The output ends only once ffmpeg's exit status is known, so a failure is never a short stream.
  const stream = new PassThrough();
  child.stdout.pipe(stream, { end: false });
  let stderr = '';
  let stopping = false;
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < MAX_STDERR) stderr += d.toString('utf8');
  });
  child.on('error', (err) => {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    stream.destroy(
      missing
        ? new CamlinkError(
            'DEVICE_FFMPEG_MISSING',
            `${ffmpeg} not found: the video source needs ffmpeg on the PATH`,
            {
              cause: err,
            },
          )
        : new CamlinkError('DEVICE_SOURCE_FAILED', `cannot run ${ffmpeg}: ${err.message}`, { cause: err }),
    );
  });
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  exited
    .then(({ code, signal }) => {
      if (stopping || code === 0) {
        stream.end();
        return;
      }
      const why = stderr.trim().split('\n').slice(-3).join(' / ') || `exit ${code ?? signal ?? '?'}`;
      stream.destroy(new CamlinkError('DEVICE_SOURCE_FAILED', `ffmpeg failed: ${why}`));
    })
    .catch(() => undefined);
  const source: VideoSource = {
    stream,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  // A consumer that destroys the output (PutMedia done or failed) ends ffmpeg too.
  stream.on('close', () => {
    child.stdout.unpipe(stream);
    child.stdout.resume();
    source.stop().catch(() => undefined);
  });
  return source;
}
