/** `camlink camera`: the simulated camera (device agent) until SIGINT/SIGTERM; `camera stream`: its video. */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { assertDeviceId } from '../../contracts/device-id.js';
import { startSimulatedCamera } from '../../device/camera.js';
import { readDeviceConnection, readDeviceTrust } from '../../device/endpoints-file.js';
import { storageAgent } from '../../device/trust.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { createLogger } from '../../log/logger.js';
import { defineCommand } from '../command.js';
import { parsePortOption } from '../ports.js';
import { certOption, deviceCredentialFiles, keyOption } from './device-files.js';
import { cameraStreamCommand } from './camera-stream.js';
import { summaries } from './summaries.js';

export const cameraCommand = defineCommand({
  name: 'camera',
  summary: summaries.camera,
  description:
    'Connects to the IoT endpoint of --endpoints (a device endpoints file of `camlink aws\n' +
    'device-endpoints`, or the endpoints.json of `camlink up`; default DATA_DIR/endpoints.json) as the\n' +
    'thing named by --device-id with --cert/--key (default: DATA_DIR/devices/ID.cert.pem and ID.key.pem,\n' +
    'as `camlink device create ID` writes them), trusting the IoT CA of that file only; storage is\n' +
    'trusted with the system roots plus its extra storage CA. Serves PTP/IP on 127.0.0.1:--ptpip-port\n' +
    '(default 15740; gphoto2: `gphoto2 --port ptpip:127.0.0.1:P:P --camera "PTP/IP Camera" --summary`),\n' +
    'with the JPEGs of --images (default DATA_DIR/cameras/ID/pictures). Uploads the app hands over are PUT\n' +
    'and announced through a durable outbox in DATA_DIR/cameras/ID/outbox. Prints "camera ready" on\n' +
    'stdout; stops on SIGINT/SIGTERM.',
  options: {
    'device-id': { type: 'string', valueName: 'ID', description: 'the thing name (certificate CN)' },
    cert: certOption,
    key: keyOption,
    endpoints: {
      type: 'string',
      valueName: 'F',
      description: 'device endpoints file (`camlink aws device-endpoints`) or endpoints.json of `camlink up`',
    },
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
    if (deviceId === undefined) {
      throw new CamlinkError(
        'CLI_USAGE',
        'camlink camera needs --device-id (and --cert/--key unless in DATA_DIR/devices)',
      );
    }
    assertDeviceId(deviceId);
    const port = parsePortOption('ptpip-port', ctx.options['ptpip-port'] ?? '15740');
    const { certFile, keyFile } = await deviceCredentialFiles(deviceId, ctx.options, config.dataDir);
    const endpointsPath = resolve(ctx.options.endpoints ?? join(config.dataDir, 'endpoints.json'));
    const connection = await readDeviceConnection(endpointsPath);
    const read = async (path: string) => {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        throw new CamlinkError('FILE_UNREADABLE', `cannot read ${path}`, { cause: err });
      }
    };
    // One after the other, so a missing certificate is always the one named (then the key).
    const certificatePem = await read(certFile);
    const keyPem = await read(keyFile);
    const trust = await readDeviceTrust(connection);
    const logger = createLogger({ level: config.log.level, name: 'camlink-camera' });
    // MQTT trusts the IoT CA only; the PUT to storage the default store plus the extra storage CA.
    const httpsAgent = storageAgent(trust.storageCa);
    // The embedded platform's cameras live in its data dir; a device endpoints file's in DATA_DIR.
    const home = connection.kind === 'platform-endpoints' ? dirname(endpointsPath) : resolve(config.dataDir);
    const dir = join(home, 'cameras', deviceId);
    const camera = await startSimulatedCamera({
      deviceId,
      certificatePem,
      keyPem,
      mqttUrl: connection.mqtt,
      ca: trust.iotCa,
      dir,
      ...(ctx.options.images ? { picturesDir: resolve(ctx.options.images) } : {}),
      httpsAgent,
      ptpPort: port,
      logger,
    });
    ctx.io.stdout(
      `camera ready: ${deviceId}, PTP/IP 127.0.0.1:${camera.responder.port}, ${camera.storage.files().length} picture(s), MQTT ${connection.mqtt}\n`,
    );
    const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    ctx.io.stdout(`stopping (${String(signal[0] ?? 'signal')})\n`);
    await camera.close();
    httpsAgent.destroy();
    return 0;
  },
});
