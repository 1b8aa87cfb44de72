/**
 * Object store PUT throughput over HTTPS (docs/benchmarks.md, "Object store"). Fixed workload:
 * 10 MB x 30 and 100 MB x 4 PUTs, one stream, bodies from memory, each via a pre-signed URL (the
 * camera's path), against three servers in child processes, side by side in the same run:
 *   limit    plain Node HTTPS stream-to-disk with fsync (no hashing, no commit protocol)
 *   camlink  the embedded store (SigV4 check, MD5 ETag + CRC32, temp + fsync + rename + sidecar)
 *   s3rver   s3rver 3.7.1 (MD5, no fsync)
 * Each figure is the mean of ROUNDS rounds, servers interleaved. One line per figure:
 *   put 10MB x30   camlink    512.3 MB/s   ratio 0.71
 * Usage: npm run bench:storage [-- --rounds N --dir DIR]
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm, statfs } from 'node:fs/promises';
import { createServer } from 'node:https';
import { Agent, request } from 'node:https';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { initCa } from '../src/pki/ca.js';
import { pkiContext } from '../src/pki/context.js';
import { issueServerCert, serverCertPaths } from '../src/pki/server-cert.js';
import { InMemoryCredentialStore } from '../src/auth/credentials.js';
import { startStorageServer } from '../src/storage/server.js';
import { createS3Presigner } from '../src/presign/s3.js';
import { fsyncDir } from '../src/util/atomic-file.js';
import { describeBench, reportFigure } from './lib/report.js';

const MB = 1_000_000;
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SERVERS = ['limit', 'camlink', 's3rver'] as const;
type ServerKind = (typeof SERVERS)[number];
const WORKLOADS = [
  { label: '10MB x30', size: 10 * MB, count: 30 },
  { label: '100MB x4', size: 100 * MB, count: 4 },
];

const WORKLOAD =
  'PUTs of random bytes held in memory: 10 MB x 30, then 100 MB x 4, one stream (keep-alive, one socket), each ' +
  'through a pre-signed URL over HTTPS (server certificate from a fresh camlink CA), as a camera uploads. The ' +
  'three servers each run in their own process and are interleaved round by round; each figure is the mean of ' +
  'the rounds (ROUNDS rounds). MB/s = 10^6 bytes of payload per second.';
const PEERS =
  "limit: the machine's raw stream-to-disk, a plain Node HTTPS server that streams the body to a file, fsyncs, " +
  'renames and fsyncs the directory (the least a durable PUT must do; no signature check, no hashing). ' +
  's3rver 3.7.1: the usual Node S3 stand-in (MD5 on the event loop, no fsync), the same pre-signed PUTs. ' +
  'camlink: the embedded store (SigV4 pre-signed check, MD5 ETag + CRC32 in a worker thread, temp file + fsync ' +
  '+ rename + atomic sidecar).';

interface Tls {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
}

async function makeTls(dir: string): Promise<Tls> {
  const config = loadConfig({ env: {}, flags: { dataDir: dir } });
  const ctx = pkiContext(dir, config.pki);
  await initCa(ctx, { force: false });
  await issueServerCert(ctx, dir, { name: 'bench', sans: ['localhost', '127.0.0.1'] });
  const paths = serverCertPaths(dir, 'bench');
  const [key, cert, ca] = await Promise.all([
    readFile(paths.keyPath),
    readFile(paths.certPath),
    readFile(ctx.store.caCertPath),
  ]);
  return { key, cert, ca };
}

/** The limit: the least a durable HTTPS PUT sink must do. */
async function serveLimit(dir: string, tls: Tls): Promise<string> {
  await mkdir(dir, { recursive: true });
  let n = 0;
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void (async () => {
      const tmp = join(dir, `.tmp-${n++}`);
      const handle = await open(tmp, 'w');
      await pipeline(
        req,
        createWriteStream('', { fd: handle.fd, autoClose: false, highWaterMark: 1024 * 1024 }),
      );
      await handle.sync();
      await handle.close();
      await rename(tmp, join(dir, (req.url ?? '/x').split('?')[0]?.replace(/\//g, '_') ?? 'x'));
      await fsyncDir(dir);
      res.writeHead(200, { 'content-length': 0 }).end();
    })().catch((err: unknown) => res.destroy(err as Error));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function serveCamlink(dir: string, tls: Tls): Promise<string> {
  const server = await startStorageServer({
    dataDir: dir,
    tls,
    host: '127.0.0.1',
    port: 0,
    credentials: new InMemoryCredentialStore([{ accessKeyId: KEY_ID, secretAccessKey: SECRET }]),
  });
  await server.store.createBucket('bench', new Date());
  return server.url;
}

/**
 * s3rver runs under plain node, not tsx: under tsx, koa's is-generator-function resolves
 * generator-function's "module-sync" export and fails to start.
 */
const S3RVER_MAIN = `
const S3rver = require('s3rver');
const fs = require('node:fs');
const [dir, key, cert] = process.argv.slice(1);
new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, key: fs.readFileSync(key),
  cert: fs.readFileSync(cert), configureBuckets: [{ name: 'bench' }] })
  .run().then((a) => process.stdout.write('https://127.0.0.1:' + a.port + '\\n'));
`;

function startS3rver(dir: string, tlsDir: string): Promise<{ child: ChildProcess; url: string }> {
  const paths = serverCertPaths(tlsDir, 'bench');
  const child = spawn(process.execPath, ['-e', S3RVER_MAIN, dir, paths.keyPath, paths.certPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (line: Buffer) => resolve({ child, url: line.toString().trim() }));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
}

function startChild(
  kind: ServerKind,
  dir: string,
  tlsDir: string,
): Promise<{ child: ChildProcess; url: string }> {
  if (kind === 's3rver') return startS3rver(dir, tlsDir);
  const child = fork(fileURLToPath(import.meta.url), ['serve', kind, dir, tlsDir], {
    execArgv: ['--import', 'tsx', '--no-warnings'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (url) => resolve({ child, url: typeof url === 'string' ? url : '' }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

function put(agent: Agent, url: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        agent,
        method: 'PUT',
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: { 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(
  kind: ServerKind,
  base: string,
  ca: Buffer,
  size: number,
  count: number,
  bodies: Buffer[],
): Promise<number> {
  const presigner = createS3Presigner({
    region: 'us-east-1',
    endpoint: base,
    credentials:
      kind === 's3rver'
        ? { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
        : { accessKeyId: KEY_ID, secretAccessKey: SECRET },
  });
  const urls = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      presigner.presign({
        method: 'PUT',
        bucket: 'bench',
        key: `obj-${size}-${i % 3}`,
        expiresInSeconds: 3600,
      }),
    ),
  );
  process.stderr.write(`  ${kind} ${count} x ${size / MB} MB...\n`);
  // One keep-alive socket per batch: between batches a server may close an idle socket (Node's
  // keepAliveTimeout is 5 s) and a reused stale socket fails with EPIPE on a loaded machine.
  const agent = new Agent({ ca, keepAlive: true, maxSockets: 1 });
  try {
    const started = process.hrtime.bigint();
    for (const [i, { url }] of urls.entries())
      await put(agent, url, bodies[i % bodies.length] ?? Buffer.alloc(0));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return (size * count) / MB / seconds;
  } finally {
    agent.destroy();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '2' }, dir: { type: 'string' } },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer`);
  describeBench('storage', { workload: WORKLOAD.replace('ROUNDS', String(rounds)), peers: PEERS });
  const root = await mkdtemp(join(values.dir ?? tmpdir(), 'camlink-bench-'));
  try {
    const tlsDir = join(root, 'tls');
    const tls = await makeTls(tlsDir);
    const fs = await statfs(root);
    out(
      `# machine: ${availableParallelism()} cpus (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, ` +
        `disk ${((fs.blocks * fs.bsize) / 1e9).toFixed(0)} GB at ${root}`,
    );
    const children = new Map<ServerKind, { child: ChildProcess; url: string }>();
    try {
      for (const kind of SERVERS) children.set(kind, await startChild(kind, join(root, kind), tlsDir));
      for (const workload of WORKLOADS) {
        const bodies = [randomBytes(workload.size), randomBytes(workload.size)];
        const results = new Map<ServerKind, number[]>();
        for (const kind of SERVERS)
          await measure(
            kind,
            children.get(kind)?.url ?? '',
            tls.ca,
            10 * MB,
            2,
            bodies.map((b) => b.subarray(0, 10 * MB)),
          );
        for (let round = 0; round < rounds; round++) {
          for (const kind of SERVERS) {
            const mbps = await measure(
              kind,
              children.get(kind)?.url ?? '',
              tls.ca,
              workload.size,
              workload.count,
              bodies,
            );
            results.set(kind, [...(results.get(kind) ?? []), mbps]);
          }
        }
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const limit = mean(results.get('limit') ?? [1]);
        for (const kind of SERVERS) {
          const runs = results.get(kind) ?? [];
          const mbps = mean(runs);
          out(
            `put ${workload.label.padEnd(9)} ${kind.padEnd(8)} ${mbps.toFixed(1).padStart(7)} MB/s   ratio ${(mbps / limit).toFixed(2)}   runs ${runs.map((r) => r.toFixed(0)).join(', ')}`,
          );
        }
        const camlink = mean(results.get('camlink') ?? []);
        const peers = [
          { name: 'raw stream-to-disk (limit)', value: limit },
          { name: 's3rver 3.7.1', value: mean(results.get('s3rver') ?? []) },
        ];
        for (const peer of peers)
          reportFigure({
            bench: 'storage',
            figure: `PUT ${workload.label}, one stream`,
            unit: 'MB/s',
            value: camlink,
            peer,
            better: 'higher',
          });
      }
    } finally {
      for (const { child } of children.values()) child.kill();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function serve(kind: ServerKind, dir: string, tlsDir: string): Promise<void> {
  const paths = serverCertPaths(tlsDir, 'bench');
  const tls: Tls = {
    key: await readFile(paths.keyPath),
    cert: await readFile(paths.certPath),
    ca: await readFile(join(tlsDir, 'pki', 'ca.cert.pem')),
  };
  const url = kind === 'limit' ? await serveLimit(dir, tls) : await serveCamlink(dir, tls);
  process.send?.(url);
}

const [mode, kind, dir, tlsDir] = process.argv.slice(2);
if (mode === 'serve' && (SERVERS as readonly string[]).includes(kind ?? '') && dir && tlsDir) {
  await serve(kind as ServerKind, dir, tlsDir);
} else {
  await main();
}
