/** The camlink command tree. Later components add their groups here (up, camera, app, backend, ...). */
import { defineGroup } from '../command.js';
import { backendCommand } from './backend.js';
import { caCommand } from './ca.js';
import { deviceCommand } from './device.js';
import { upCommand } from './up.js';
import { demoCommand } from './demo.js';
import { cameraCommand } from './camera.js';
import { storageCommand } from './storage.js';
import { queueCommand } from './queue.js';
import { appCommand } from './app.js';
import { awsCommand } from './aws.js';
import { simCommand } from './sim.js';
import { rehearsalCommand } from './rehearsal.js';
import { fsckCommand } from './fsck.js';

export const rootCommand = defineGroup(
  '',
  'camlink connects cameras to the cloud by direct upload (operator CA, mutual-TLS MQTT, pre-signed uploads).',
  [
    upCommand,
    caCommand,
    deviceCommand,
    storageCommand,
    queueCommand,
    backendCommand,
    cameraCommand,
    appCommand,
    awsCommand,
    demoCommand,
    simCommand,
    rehearsalCommand,
    fsckCommand,
  ],
);
