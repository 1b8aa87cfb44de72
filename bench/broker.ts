/**
 * Broker benchmark: the camlink endpoint against Mosquitto 2 configured equivalently (mutual TLS with
 * require_certificate, CN as identity, the CRL, an ACL pattern that confines each device to
 * camlink/devices/<CN>/#), both in their own processes, driven by the same raw-socket load generator.
 *
 * Fixed workload (override with env BENCH_SCALE=0.1 for a smoke run):
 *   connects  1,000 mutual-TLS MQTT connects (ECDSA P-256), 50 in flight (each device once per phase:
 *             AWS's one CONNECT per second per client id stays on)
 *   idle      2,000 connections held open, each with one subscription: RSS per connection
 *   qos1      4 devices x 25,000 QoS 1 messages of 100 B, each published and received back by the
 *             device (publish -> policy -> route -> receive check -> deliver), 100 in flight per device
 * Prints one line per figure; the results and the machine go to docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import mqttPacket from 'mqtt-packet';
import { loadConfig } from '../src/config/load.js';
import { initCa } from '../src/pki/ca.js';
import { createDevice } from '../src/pki/device.js';
import { issueServerCert } from '../src/pki/server-cert.js';
import { pkiContext } from '../src/pki/context.js';
import { cpuSeconds, rssBytes } from './lib/proc.js';
import { describeBench, reportFigure } from './lib/report.js';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const CONNECTS = Math.round(1000 * SCALE);
const IDLE = Math.round(2000 * SCALE);
const QOS1_DEVICES = 4;
const QOS1_PER_DEVICE = Math.round(25_000 * SCALE);
const WINDOW = 100;

const WORKLOAD =
  `${CONNECTS.toLocaleString('en')} mutual-TLS MQTT connects (ECDSA P-256 client certificates, 50 in flight); ` +
  `${IDLE.toLocaleString('en')} idle connections with one subscription each (RSS growth / ${IDLE.toLocaleString('en')}); ` +
  `${QOS1_DEVICES} devices x ${QOS1_PER_DEVICE.toLocaleString('en')} QoS 1 messages of 100 B, each device publishing to ` +
  `its own status topic and receiving it back (${WINDOW} in flight per device). The same raw-socket load generator ` +
  'drives both brokers, one after the other, each in its own process; broker CPU time from /proc/<pid>/stat.';
const PEERS =
  "Mosquitto (the machine's, Debian) configured equivalently: mutual TLS with require_certificate, the certificate " +
  'CN as identity (use_identity_as_username), the CRL, an ACL pattern camlink/devices/%u/# (camlink: the device ' +
  `policy on every CONNECT, PUBLISH, SUBSCRIBE and delivery), max_inflight_messages ${WINDOW}. The only quota ` +
  "lifted is camlink's 100 publishes/s per connection (Mosquitto has none); AWS's one CONNECT per second per " +
  'client id stays on (each phase uses its own devices).';

/** Figure key -> how docs/benchmarks.md names it. */
const FIGURES: Record<string, { label: string; unit: string; better: 'higher' | 'lower' }> = {
  tls_connects_per_broker_core_s: {
    label: 'mutual-TLS connects per broker core-second',
    unit: 'conn/core-s',
    better: 'higher',
  },
  tls_connects_per_s_wall: {
    label: 'mutual-TLS connects per second, wall (generator-bound)',
    unit: 'conn/s',
    better: 'higher',
  },
  rss_per_idle_tls_connection: {
    label: 'RSS per idle mutual-TLS connection (+1 subscription)',
    unit: 'KB',
    better: 'lower',
  },
  qos1_msgs_per_broker_core_s: {
    label: 'QoS 1 messages per broker core-second (policies on)',
    unit: 'msg/core-s',
    better: 'higher',
  },
  qos1_msgs_per_s_wall: { label: 'QoS 1 messages per second, wall', unit: 'msg/s', better: 'higher' },
};

interface Device {
  id: string;
  cert: Buffer;
  key: Buffer;
}

interface Target {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  describeBench('broker', { workload: WORKLOAD, peers: PEERS });
  const mosquittoName = await mosquittoVersion();
  const dir = await mkdtemp(join(os.tmpdir(), 'camlink-bench-broker-'));
  try {
    const devicesNeeded = CONNECTS + IDLE + QOS1_DEVICES;
    const { ca, devices } = await preparePki(dir, devicesNeeded);
    const results: Record<string, Record<string, number>> = {};
    for (const start of [startCamlink, startMosquitto]) {
      const target = await start(dir);
      try {
        results[target.name] = await measure(target, ca, devices);
      } finally {
        await target.stop();
      }
    }
    const cam = results.camlink ?? {};
    const mos = results.mosquitto ?? {};
    for (const key of Object.keys(cam)) {
      const a = cam[key] ?? NaN;
      const b = mos[key] ?? NaN;
      console.log(`ratio ${key}: camlink/mosquitto = ${(a / b).toFixed(2)}`);
      const figure = FIGURES[key];
      if (figure === undefined) throw new Error(`no description of figure ${key}`);
      reportFigure({
        bench: 'broker',
        figure: figure.label,
        unit: figure.unit,
        value: a,
        peer: { name: mosquittoName, value: b },
        better: figure.better,
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** "Mosquitto 2.0.11", from `mosquitto -h` (its first line names the version). */
async function mosquittoVersion(): Promise<string> {
  const child = spawn('mosquitto', ['-h'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  await once(child, 'close');
  const version = /mosquitto version (\S+)/.exec(text)?.[1];
  return version === undefined ? 'Mosquitto' : `Mosquitto ${version}`;
}

async function preparePki(dir: string, count: number): Promise<{ ca: Buffer; devices: Device[] }> {
  const config = loadConfig({ env: {}, flags: { dataDir: dir } });
  const pki = pkiContext(dir, config.pki);
  await initCa(pki, { force: false });
  await issueServerCert(pki, dir, { name: 'endpoint', sans: ['localhost', '127.0.0.1'] });
  const devices: Device[] = [];
  const outDir = join(dir, 'devices');
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const id = `cam-${String(i).padStart(5, '0')}`;
    const made = await createDevice(pki, id, { outDir, force: false });
    devices.push({ id, cert: await readFile(made.certPath), key: await readFile(made.keyPath) });
  }
  console.error(`issued ${count} device certificates in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { ca: await readFile(pki.store.caCertPath), devices };
}

async function startCamlink(dir: string): Promise<Target> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'broker-server.ts'), dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /ready (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`camlink broker exited ${code}`)));
  });
  return { name: 'camlink', port, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

async function startMosquitto(dir: string): Promise<Target> {
  const port = await freePort();
  const acl = join(dir, 'mosquitto.acl');
  await writeFile(acl, 'pattern readwrite camlink/devices/%u/#\n');
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      'user root',
      'per_listener_settings false',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      `listener ${port} 127.0.0.1`,
      `cafile ${join(dir, 'pki', 'ca.cert.pem')}`,
      `certfile ${join(dir, 'pki', 'server', 'endpoint.cert.pem')}`,
      `keyfile ${join(dir, 'pki', 'server', 'endpoint.key.pem')}`,
      `crlfile ${join(dir, 'pki', 'ca.crl.pem')}`,
      'require_certificate true',
      'use_identity_as_username true',
      'allow_anonymous false',
      `acl_file ${acl}`,
      `max_inflight_messages ${WINDOW}`,
      'max_queued_messages 100000',
      '',
    ].join('\n'),
  );
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'inherit', 'inherit'] });
  await waitForPort(port, child);
  return { name: 'mosquitto', port, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

async function measure(target: Target, ca: Buffer, devices: Device[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const log = (key: string, value: number, unit: string) => {
    out[key] = value;
    console.log(`${target.name} ${key}: ${value.toFixed(unit === 'KB' ? 1 : 0)} ${unit}`);
  };

  // 1. Connect rate.
  let cpu0 = await cpuSeconds(target.pid);
  let t0 = performance.now();
  const sockets: tls.TLSSocket[] = [];
  await pool(devices.slice(0, CONNECTS), 50, async (d) => {
    sockets.push(await mqttConnect(target.port, ca, d));
  });
  let wall = (performance.now() - t0) / 1000;
  let cpu = (await cpuSeconds(target.pid)) - cpu0;
  log('tls_connects_per_s_wall', CONNECTS / wall, 'conn/s');
  log('tls_connects_per_broker_core_s', CONNECTS / Math.max(cpu, 0.01), 'conn/core-s');
  await closeAll(sockets);

  // 2. Idle connections with one subscription each.
  const rss0 = await rssBytes(target.pid);
  // Other devices than the connect phase: AWS allows one CONNECT per second per client id.
  await pool(devices.slice(CONNECTS, CONNECTS + IDLE), 50, async (d) => {
    sockets.push(await mqttConnect(target.port, ca, d, `camlink/devices/${d.id}/commands`));
  });
  const rss1 = await rssBytes(target.pid);
  log('rss_per_idle_tls_connection', (rss1 - rss0) / IDLE / 1024, 'KB');
  await closeAll(sockets);

  // 3. QoS 1 throughput with policies/ACL on every publish and delivery.
  const qos1Devices = devices.slice(CONNECTS + IDLE, CONNECTS + IDLE + QOS1_DEVICES);
  const conns = await Promise.all(
    qos1Devices.map((d) => mqttConnect(target.port, ca, d, `camlink/devices/${d.id}/status`)),
  );
  cpu0 = await cpuSeconds(target.pid);
  t0 = performance.now();
  await Promise.all(
    conns.map((socket, i) => qos1Loop(socket, `camlink/devices/${qos1Devices[i]?.id}/status`)),
  );
  wall = (performance.now() - t0) / 1000;
  cpu = (await cpuSeconds(target.pid)) - cpu0;
  const total = QOS1_DEVICES * QOS1_PER_DEVICE;
  log('qos1_msgs_per_s_wall', total / wall, 'msg/s');
  log('qos1_msgs_per_broker_core_s', total / Math.max(cpu, 0.01), 'msg/core-s');
  await closeAll(conns);
  if (resetsAfterSetup > 0) {
    console.log(`${target.name}: ${resetsAfterSetup} established sessions were reset by the peer`);
    resetsAfterSetup = 0;
  }
  return out;
}

/** Established sessions that ended in a socket error afterwards (reported by measure()). */
let resetsAfterSetup = 0;

/** Opens a mutual-TLS MQTT 3.1.1 session (and a QoS 1 subscription) with raw packets. */
async function mqttConnect(
  port: number,
  ca: Buffer,
  device: Device,
  subscribe?: string,
): Promise<tls.TLSSocket> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    ca,
    cert: device.cert,
    key: device.key,
    servername: 'localhost',
  });
  socket.setNoDelay(true);
  // A reset before the session is up ends in 'close' (handled below); keep what caused it for the message.
  let failure: Error | undefined;
  const onError = (err: Error) => (failure = err);
  await once(socket, 'secureConnect').catch((err: Error) => {
    throw new Error(`${device.id}: TLS handshake: ${err.message}`);
  });
  socket.on('error', onError);
  const parser = mqttPacket.parser();
  const packets: mqttPacket.Packet[] = [];
  let wake: (() => void) | undefined;
  parser.on('packet', (p) => {
    packets.push(p);
    wake?.();
  });
  const onData = (d: Buffer) => parser.parse(d);
  socket.on('data', onData);
  const next = async (cmd: string) => {
    for (;;) {
      const i = packets.findIndex((p) => p.cmd === cmd);
      if (i >= 0) return packets.splice(i, 1)[0];
      await Promise.race([
        new Promise<void>((r) => (wake = r)),
        once(socket, 'close').then(() => {
          throw new Error(`${device.id}: closed waiting for ${cmd}: ${failure?.message ?? 'no error'}`);
        }),
      ]);
    }
  };
  socket.write(
    mqttPacket.generate({
      cmd: 'connect',
      clientId: device.id,
      protocolVersion: 4,
      keepalive: 1200,
      clean: true,
    }),
  );
  const connack = (await next('connack')) as mqttPacket.IConnackPacket;
  if (connack.returnCode !== 0) throw new Error(`CONNACK ${connack.returnCode}`);
  if (subscribe) {
    socket.write(
      mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: subscribe, qos: 1 }] }),
    );
    const suback = (await next('suback')) as mqttPacket.ISubackPacket;
    if (suback.granted[0] === 128) throw new Error(`subscription to ${subscribe} refused`);
  }
  socket.removeListener('data', onData);
  socket.removeListener('error', onError);
  // An established session that is reset later (while it idles for the RSS figure, say) must not crash
  // the bench with an unhandled 'error': it is counted and reported with the phase.
  socket.on('error', () => resetsAfterSetup++);
  return socket;
}

/** Publishes QOS1_PER_DEVICE messages to `topic` (window 100) and receives them back, acking each. */
function qos1Loop(socket: tls.TLSSocket, topic: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.alloc(100, 120);
    const parser = mqttPacket.parser();
    let sent = 0;
    let acked = 0;
    let received = 0;
    let nextId = 1;
    const send = () => {
      const chunks: Buffer[] = [];
      while (sent < QOS1_PER_DEVICE && sent - acked < WINDOW) {
        chunks.push(
          mqttPacket.generate({
            cmd: 'publish',
            topic,
            payload,
            qos: 1,
            messageId: nextId,
            retain: false,
            dup: false,
          }),
        );
        nextId = nextId === 65_535 ? 1 : nextId + 1;
        sent++;
      }
      if (chunks.length > 0) socket.write(Buffer.concat(chunks));
    };
    parser.on('packet', (p) => {
      if (p.cmd === 'puback') {
        acked++;
        send();
      } else if (p.cmd === 'publish') {
        received++;
        socket.write(mqttPacket.generate({ cmd: 'puback', messageId: p.messageId ?? 0 }));
      }
      if (acked === QOS1_PER_DEVICE && received === QOS1_PER_DEVICE) {
        socket.removeAllListeners('data');
        resolve();
      }
    });
    socket.on('data', (d: Buffer) => parser.parse(d));
    socket.once('close', () => reject(new Error(`closed after ${acked} acks, ${received} received`)));
    socket.once('error', (err: Error) =>
      reject(new Error(`QoS 1 loop on ${topic}: ${err.message} after ${acked} acks, ${received} received`)),
    );
    send();
  });
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < items.length) {
        const item = items[i++] as T;
        await fn(item);
      }
    }),
  );
}

async function closeAll(sockets: tls.TLSSocket[]): Promise<void> {
  await Promise.all(
    sockets.splice(0).map(async (s) => {
      s.removeAllListeners('close');
      // A reset while a measured phase is over (the broker closing on DISCONNECT first) changes nothing.
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      const gone = new Promise<void>((resolve) => s.once('close', () => resolve()));
      s.end(mqttPacket.generate({ cmd: 'disconnect' }));
      // Not events.once(s, 'close'): it rejects on the 'error' (ECONNRESET) that may come first.
      if (!s.closed) await gone;
    }),
  );
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('mosquitto did not start listening');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

await main();
