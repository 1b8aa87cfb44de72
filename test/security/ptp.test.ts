/**
 * Security matrix, PTP/IP camera (the simulated camera of a provisioned device, connected to the
 * platform): an initiator that skipped the init handshake or OpenSession calling operations that need
 * them, a second initiator, a signing request for another device, and malformed or oversized packets.
 * Refusals are PTP response codes (ISO 15740 Table 27), Init Fail reasons, or the closed connection.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { pairingSigningInput } from '../../src/contracts/pairing.js';
import type { SimulatedCamera } from '../../src/device/camera.js';
import { OperationCode, ResponseCode } from '../../src/ptp/codes.js';
import { PtpError, PtpIpInitiator } from '../../src/ptp/initiator.js';
import { encodePacket } from '../../src/ptp/packets.js';
import { surface } from './matrix.js';
import { securityWorld } from './world.js';

const ptp = surface('ptp', 'PTP/IP camera');
const sw = securityWorld();
let cameraOnce: Promise<SimulatedCamera> | undefined;

const NAMES = new Map<number, string>(Object.entries(ResponseCode).map(([name, code]) => [code, name]));

/** The platform-connected simulated camera every row talks to (started by the first row). */
function camera(): Promise<SimulatedCamera> {
  cameraOnce ??= (async () => {
    const w = sw();
    const provisioned = await w.world.provision('cam-ptp');
    return w.world.startCamera(provisioned, await mkdtemp(join(w.dataDir, 'cam-')));
  })();
  return cameraOnce;
}

function connect(): Promise<PtpIpInitiator> {
  return camera().then((c) => PtpIpInitiator.connect('127.0.0.1', c.responder.port));
}

/**
 * An initiator holding the camera. A previous row's initiator may still be closing on the camera's
 * side (it answers Init Fail "busy" until its socket closes), so a busy answer is retried a bounded
 * number of times: each retry is a full round trip, not a timer.
 */
async function initiator(): Promise<PtpIpInitiator> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await connect();
    } catch (err) {
      if (attempt >= 100 || !(err instanceof Error) || !/Init Fail, reason 2/.test(err.message)) throw err;
    }
  }
}

/** Awaits a refused transaction and names its response code. */
async function responseOf(attempt: Promise<unknown>, expected: number): Promise<string> {
  let code: number | undefined;
  await assert.rejects(attempt, (e) => {
    code = e instanceof PtpError ? e.responseCode : undefined;
    return true;
  });
  assert.equal(code, expected);
  return `${NAMES.get(expected) ?? '?'} (0x${expected.toString(16)})`;
}

/** Sends raw bytes on a fresh TCP connection and waits for the camera to close it. */
async function closedAfter(bytes: Buffer): Promise<string> {
  const raw = net.connect({ host: '127.0.0.1', port: (await camera()).responder.port });
  await once(raw, 'connect');
  const received: Buffer[] = [];
  raw.on('data', (d: Buffer) => received.push(d));
  raw.write(bytes);
  await once(raw, 'close');
  assert.equal(Buffer.concat(received).length, 0, 'nothing is answered');
  return 'connection closed, nothing answered';
}

ptp.row(
  'ptp-no-session',
  'GetStorageIDs, SignChallenge and SetUploadTarget before OpenSession',
  'SessionNotOpen (0x2003)',
  async (t) => {
    const app = await initiator();
    t.after(() => app.close());
    const input = pairingSigningInput({
      deviceId: 'cam-ptp',
      challengeId: 'pch_0123456789abcdef',
      nonce: 'n'.repeat(43),
    });
    const observed = await responseOf(
      app.transaction(OperationCode.GetStorageIDs),
      ResponseCode.SessionNotOpen,
    );
    for (const [code, data] of [
      [OperationCode.CamlinkSignChallenge, input],
      [OperationCode.CamlinkSetUploadTarget, Buffer.from('{}')],
    ] as const) {
      assert.equal(await responseOf(app.transaction(code, [], data), ResponseCode.SessionNotOpen), observed);
    }
    return observed;
  },
);

ptp.row(
  'ptp-second-initiator',
  'a second initiator while one holds the camera',
  'Init Fail, reason 2 (busy)',
  async (t) => {
    const first = await initiator();
    t.after(() => first.close());
    await first.openSession();
    let observed = '';
    await assert.rejects(connect(), (err: Error) => {
      observed = /Init Fail, reason \d+/.exec(err.message)?.[0] ?? err.message;
      return true;
    });
    assert.equal(observed, 'Init Fail, reason 2');
    return `${observed} (busy)`;
  },
);

ptp.row(
  'ptp-sign-foreign-input',
  "SignChallenge with another device's pairing input, and with arbitrary bytes",
  'InvalidParameter (0x201d)',
  async (t) => {
    const app = await initiator();
    t.after(() => app.close());
    await app.openSession();
    const foreign = pairingSigningInput({
      deviceId: 'cam-other',
      challengeId: 'pch_0123456789abcdef',
      nonce: 'x',
    });
    const observed = await responseOf(
      app.transaction(OperationCode.CamlinkSignChallenge, [], foreign),
      ResponseCode.InvalidParameter,
    );
    assert.equal(
      await responseOf(
        app.transaction(OperationCode.CamlinkSignChallenge, [], Buffer.from('sign me')),
        ResponseCode.InvalidParameter,
      ),
      observed,
    );
    return observed;
  },
);

ptp.row(
  'ptp-operation-before-init',
  'an OperationRequest before the Init Command handshake',
  'connection closed',
  async () =>
    closedAfter(
      encodePacket({
        type: 'OperationRequest',
        dataPhase: 1,
        code: OperationCode.GetStorageIDs,
        transactionId: 1,
        params: [],
      }),
    ),
);

ptp.row('ptp-hostile-length', 'a packet header announcing 2 GB', 'connection closed', async () =>
  closedAfter(Buffer.from('ffffff7f06000000', 'hex')),
);

ptp.row(
  'ptp-oversized-control',
  'a 4 KB + 1 control packet (Init Command Request)',
  'connection closed',
  async () => {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(4097, 0);
    header.writeUInt32LE(1, 4);
    return closedAfter(Buffer.concat([header, Buffer.alloc(4089)]));
  },
);

ptp.row('ptp-unknown-type', 'a packet of an unknown type', 'connection closed', async () =>
  closedAfter(Buffer.from('0800000063000000', 'hex')),
);

ptp.done();
