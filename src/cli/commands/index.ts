/**
 * The camlink command tree. Each top-level command is lazy: its module (and everything it imports: the
 * AWS SDK, the PKI, the servers) loads only when it is chosen, so `camlink --help` and small commands start
 * at once. Names and summaries are in summaries.ts.
 */
import { defineGroup, defineLazy } from '../command.js';
import { summaries } from './summaries.js';

export const rootCommand = defineGroup(
  '',
  'camlink connects cameras to the cloud by direct upload (operator CA, mutual-TLS MQTT, pre-signed uploads).',
  [
    defineLazy('up', summaries.up, async () => (await import('./up.js')).upCommand),
    defineLazy('ca', summaries.ca, async () => (await import('./ca.js')).caCommand),
    defineLazy('device', summaries.device, async () => (await import('./device.js')).deviceCommand),
    defineLazy('storage', summaries.storage, async () => (await import('./storage.js')).storageCommand),
    defineLazy('queue', summaries.queue, async () => (await import('./queue.js')).queueCommand),
    defineLazy('backend', summaries.backend, async () => (await import('./backend.js')).backendCommand),
    defineLazy('camera', summaries.camera, async () => (await import('./camera.js')).cameraCommand),
    defineLazy('app', summaries.app, async () => (await import('./app.js')).appCommand),
    defineLazy('aws', summaries.aws, async () => (await import('./aws.js')).awsCommand),
    defineLazy('demo', summaries.demo, async () => (await import('./demo.js')).demoCommand),
    defineLazy('sim', summaries.sim, async () => (await import('./sim.js')).simCommand),
    defineLazy(
      'rehearsal',
      summaries.rehearsal,
      async () => (await import('./rehearsal.js')).rehearsalCommand,
    ),
    defineLazy('fsck', summaries.fsck, async () => (await import('./fsck.js')).fsckCommand),
  ],
);
