/**
 * `camlink camera stream`: the camera's video to its Kinesis video stream (named after the thing),
 * with the same code that streams to real Amazon KVS: credentials from the IoT credentials provider,
 * GetDataEndpoint, ffmpeg's MKV/H.264, PutMedia. One line per acknowledged fragment, a summary line;
 * exit 0 only when every fragment sent was acknowledged without ERROR.
 */
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertDeviceId } from '../../contracts/device-id.js';
import { readDeviceConnection, readDeviceTrust } from '../../device/endpoints-file.js';
import { streamToKvs, type StreamProgress } from '../../device/video/stream.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { defineCommand } from '../command.js';
import { certOption, deviceCredentialFiles, keyOption } from './device-files.js';

export const MAX_STREAM_SECONDS = 86_400;

export function parseDurationOption(value: string): number {
  const seconds = Number(value);
  if (!/^\d{1,5}$/.test(value) || seconds < 1 || seconds > MAX_STREAM_SECONDS) {
    throw new CamlinkError(
      'CLI_USAGE',
      `--duration ${value} is not a number of seconds (1-${MAX_STREAM_SECONDS})`,
    );
  }
  return seconds;
}

export const cameraStreamCommand = defineCommand({
  name: 'stream',
  summary: "Stream the camera's video (MKV/H.264) to its Kinesis video stream with PutMedia.",
  description:
    'Gets temporary credentials from the IoT credentials provider of --endpoints (a device endpoints\n' +
    'file, or the endpoints.json of `camlink up`; default DATA_DIR/endpoints.json) with --cert/--key\n' +
    '(default DATA_DIR/devices/ID.cert.pem and ID.key.pem, from `camlink device create ID`) as the\n' +
    'thing --device-id and the role alias of that file, finds the PUT_MEDIA endpoint of the stream\n' +
    "named after the thing (the file's KVS endpoint, or AWS in its video region), and sends ffmpeg's\n" +
    'test pattern (or --source FILE) as live MKV, one fragment per second. Stops after --duration\n' +
    'seconds, or on SIGINT/SIGTERM. Needs ffmpeg on the PATH.',
  options: {
    'device-id': { type: 'string', valueName: 'ID', description: 'the thing name (= the stream name)' },
    cert: certOption,
    key: keyOption,
    endpoints: {
      type: 'string',
      valueName: 'F',
      description: 'device endpoints file (`camlink aws device-endpoints`) or endpoints.json of `camlink up`',
    },
    duration: {
      type: 'string',
      valueName: 'S',
      description: 'seconds of video, 1-86400 (default: until a signal)',
    },
    source: {
      type: 'string',
      valueName: 'FILE',
      description: 'a video file to stream instead of the test pattern',
    },
    'no-realtime': { type: 'boolean', description: 'send as fast as possible instead of at the frame rate' },
  },
  async run(ctx) {
    const deviceId = ctx.options['device-id'];
    if (deviceId === undefined) {
      throw new CamlinkError(
        'CLI_USAGE',
        'camlink camera stream needs --device-id (and --cert/--key unless in DATA_DIR/devices)',
      );
    }
    const duration =
      ctx.options.duration === undefined ? undefined : parseDurationOption(ctx.options.duration);
    assertDeviceId(deviceId);
    const config = ctx.config();
    const { certFile, keyFile } = await deviceCredentialFiles(deviceId, ctx.options, config.dataDir);
    const endpointsPath = resolve(ctx.options.endpoints ?? join(config.dataDir, 'endpoints.json'));
    const connection = await readDeviceConnection(endpointsPath);
    const credentialsUrl = connection.credentialsProvider;
    if (credentialsUrl === undefined) {
      throw new CamlinkError(
        'CONFIG_INVALID',
        `${endpointsPath} names no IoT credentials provider (iotCredentials)`,
      );
    }
    const read = async (path: string) => {
      try {
        return await readFile(path);
      } catch (err) {
        throw new CamlinkError('FILE_UNREADABLE', `cannot read ${path}`, { cause: err });
      }
    };
    const source = ctx.options.source === undefined ? undefined : resolve(ctx.options.source);
    if (source !== undefined) {
      await access(source).catch((err: unknown) => {
        throw new CamlinkError('FILE_UNREADABLE', `cannot read ${source}`, { cause: err });
      });
    }
    // One at a time, so the error names the first file that is missing (the user's own before the CA).
    const certificatePem = await read(certFile);
    const keyPem = await read(keyFile);
    // The credentials provider trusts the IoT CA only; KVS the default store plus the storage CA.
    const trust = await readDeviceTrust(connection);

    const abort = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      ctx.io.stdout(`stopping (${signal})\n`);
      abort.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const summary = await streamToKvs({
        deviceId,
        certificatePem,
        keyPem,
        ca: trust.iotCa,
        ...(trust.storageCa === undefined ? {} : { kvsCa: trust.storageCa }),
        credentialsUrl,
        roleAlias: connection.roleAlias,
        region: connection.videoRegion,
        ...(connection.kvsEndpoint === undefined ? {} : { kvsEndpoint: connection.kvsEndpoint }),
        ...(duration === undefined ? {} : { durationSeconds: duration }),
        ...(source === undefined ? {} : { file: source }),
        realtime: ctx.options['no-realtime'] !== true,
        signal: abort.signal,
        onProgress: (p) => printProgress(p, ctx.io),
      });
      const acknowledged = Math.max(summary.fragmentsReceived, summary.fragmentsPersisted);
      ctx.io.stdout(
        `done: ${summary.fragmentsSent} fragment(s) sent, ${acknowledged} acknowledged (${summary.fragmentsPersisted} persisted), ` +
          `${summary.errors.length} error(s), ${summary.bytesSent} bytes to stream ${summary.streamName}\n`,
      );
      if (!summary.ok) {
        ctx.io.stderr(
          summary.fragmentsSent === 0
            ? 'camlink: no fragment was sent\n'
            : `camlink: ${summary.errors.length} fragment error(s), ${summary.fragmentsSent - acknowledged} fragment(s) not acknowledged\n`,
        );
        return 1;
      }
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
});

function printProgress(
  p: StreamProgress,
  io: { stdout(text: string): void; stderr(text: string): void },
): void {
  if (p.kind === 'connected') {
    io.stdout(`streaming to ${p.streamName} at ${p.dataEndpoint}\n`);
    return;
  }
  if (p.kind !== 'ack' || !p.final) return;
  const a = p.ack;
  if (a.type === 'ERROR') {
    io.stderr(
      `fragment ERROR ${a.errorId ?? '?'} ${a.errorCode ?? ''} (timecode ${a.fragmentTimecode ?? '?'}, number ${a.fragmentNumber ?? '?'})\n`,
    );
    return;
  }
  io.stdout(
    `fragment ${a.type} timecode ${a.fragmentTimecode ?? '?'} number ${a.fragmentNumber ?? '?'}: ` +
      `${p.fragmentsAcknowledged}/${p.fragmentsSent} acknowledged, ${p.bytesSent} bytes sent\n`,
  );
}
