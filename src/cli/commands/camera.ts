/** `camlink camera`: the simulated camera (device agent) until SIGINT/SIGTERM; `camera stream`: its video. */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { readEndpoints } from '../../backend/cloud/services.js';
import { assertDeviceId } from '../../contracts/device-id.js';
import { startSimulatedCamera } from '../../device/camera.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { createLogger } from '../../log/logger.js';
import { defineCommand } from '../command.js';
import { parsePortOption } from '../ports.js';
import { cameraStreamCommand } from './camera-stream.js';

export const cameraCommand = defineCommand({
  name: 'camera',
  summary: 'Run a simulated camera: MQTT (mutual TLS) to the endpoint, PTP/IP for the app and gphoto2.',
  description:
    'Connects to the IoT endpoint of --endpoints (default DATA_DIR/endpoints.json) as the thing named by\n' +
    '--device-id with --cert/--key, serves PTP/IP on 127.0.0.1:--ptpip-port (default 15740; gphoto2:\n' +
    '`gphoto2 --port ptpip:127.0.0.1:P:P --camera "PTP/IP Camera" --summary`), with the JPEGs of --images\n' +
    '(default DATA_DIR/cameras/ID/pictures). Uploads the app hands over are PUT and announced through a\n' +
    'durable outbox in DATA_DIR/cameras/ID/outbox. Prints "camera ready" on stdout; stops on SIGINT/SIGTERM.',
  options: {
    'device-id': { type: 'string', valueName: 'ID', description: 'the thing name (certificate CN)' },
    cert: { type: 'string', valueName: 'F', description: 'device certificate (PEM)' },
    key: { type: 'string', valueName: 'F', description: 'device private key (PEM)' },
    endpoints: { type: 'string', valueName: 'F', description: 'endpoints.json of `camlink up`' },
    'ptpip-port': {
      type: 'string',
      valueName: 'N',
      description: 'PTP/IP port, 0 = a free port (default 15740)',
    },
    images: { type: 'string', valueName: 'DIR', description: "directory of the camera's JPEGs" },
  },
  subcommands: [cameraStreamCommand],
  async run(ctx) {
    const config = ctx.config();
    const deviceId = ctx.options['device-id'];
    const certFile = ctx.options.cert;
    const keyFile = ctx.options.key;
    if (deviceId === undefined || certFile === undefined || keyFile === undefined) {
      throw new CamlinkError('CLI_USAGE', 'camlink camera needs --device-id, --cert and --key');
    }
    assertDeviceId(deviceId);
    const port = parsePortOption('ptpip-port', ctx.options['ptpip-port'] ?? '15740');
    const endpointsPath = resolve(ctx.options.endpoints ?? join(config.dataDir, 'endpoints.json'));
    const endpoints = await readEndpoints(endpointsPath);
    const read = async (path: string) => {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        throw new CamlinkError('FILE_UNREADABLE', `cannot read ${path}`, { cause: err });
      }
    };
    const [certificatePem, keyPem] = await Promise.all([read(certFile), read(keyFile)]);
    const ca = Buffer.from(await read(endpoints.caPath));
    const logger = createLogger({ level: config.log.level, name: 'camlink-camera' });
    const httpsAgent = new https.Agent({ ca, keepAlive: true });
    const dir = join(dirname(endpointsPath), 'cameras', deviceId);
    const camera = await startSimulatedCamera({
      deviceId,
      certificatePem,
      keyPem,
      mqttUrl: endpoints.mqtt,
      ca,
      dir,
      ...(ctx.options.images ? { picturesDir: resolve(ctx.options.images) } : {}),
      httpsAgent,
      ptpPort: port,
      logger,
    });
    ctx.io.stdout(
      `camera ready: ${deviceId}, PTP/IP 127.0.0.1:${camera.responder.port}, ${camera.storage.files().length} picture(s), MQTT ${endpoints.mqtt}\n`,
    );
    const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    ctx.io.stdout(`stopping (${String(signal[0] ?? 'signal')})\n`);
    await camera.close();
    httpsAgent.destroy();
    return 0;
  },
});
