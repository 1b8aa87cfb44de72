/**
 * `camlink app ...`: the phone-app simulator. It talks to the backend API as a user (token file) and
 * to a camera over PTP/IP: `pair` (the camera signs the backend's challenge), `upload` (pre-signed URL
 * from the backend -> camera -> wait until reconciled), `watch` (the user's event stream), and
 * `create-user` for the operator to mint a user and their token file.
 */
import { join, resolve } from 'node:path';
import { BackendClient } from '../../app/backend-client.js';
import { CameraLink, parseCameraAddress } from '../../app/camera-link.js';
import { uploadThroughCamera } from '../../app/upload-flow.js';
import { readEndpoints } from '../../contracts/endpoints.js';
import { inDataDir } from '../../config/paths.js';
import type { CamlinkConfig } from '../../config/schema.js';
import { CamlinkError, isCamlinkError } from '../../errors/camlink-error.js';
import { readInputFile, SECRET_FILE_MODE, writeFileAtomic } from '../../util/atomic-file.js';
import { defineCommand, defineGroup, type OptionValues } from '../command.js';
import { jsonOption, printResult } from '../output.js';
import { progressReporter } from '../progress.js';
import { summaries } from './summaries.js';
import { backendOptions, operatorTokenOption, type BackendOptionValues } from './backend-options.js';

const TOKEN_MAX_BYTES = 4096;
const CA_MAX_BYTES = 1024 * 1024;

const cameraOption = {
  camera: {
    type: 'string',
    valueName: 'HOST[:PORT]',
    description: 'the camera over PTP/IP (default 127.0.0.1:15740)',
  },
} as const;

/** Where the API is and which CA to trust: --api/--ca, else endpoints.json. */
export async function apiOf(
  config: Readonly<CamlinkConfig>,
  options: BackendOptionValues,
): Promise<{ baseUrl: string; ca?: Buffer }> {
  if (options.api !== undefined) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(options.api))
      throw new CamlinkError('CLI_USAGE', `--api must be an http(s) base URL, got "${options.api}"`);
    const ca = options.ca === undefined ? undefined : await readInputFile(options.ca, CA_MAX_BYTES, 'CA');
    return { baseUrl: options.api, ...(ca ? { ca } : {}) };
  }
  const endpoints = await readEndpoints(resolve(options.endpoints ?? join(config.dataDir, 'endpoints.json')));
  if (endpoints.api === undefined)
    throw new CamlinkError('CLI_USAGE', 'the endpoints file names no backend API; give --api');
  const ca = await readInputFile(options.ca ?? endpoints.caPath, CA_MAX_BYTES, 'CA');
  return { baseUrl: endpoints.api, ca };
}

function defaultTokenFile(config: Readonly<CamlinkConfig>): string {
  return join(config.dataDir, 'app', 'token');
}

export async function readToken(path: string, what: string): Promise<string> {
  const token = (await readInputFile(path, TOKEN_MAX_BYTES, what)).toString('utf8').trim();
  if (token === '') throw new CamlinkError('CLI_USAGE', `${what} ${path} is empty`);
  return token;
}

/** A client holding the operator token (--operator-token-file, else the data dir's). */
export async function operatorClient(
  config: Readonly<CamlinkConfig>,
  options: BackendOptionValues & OptionValues<typeof operatorTokenOption>,
): Promise<BackendClient> {
  const operatorToken = await readToken(
    options['operator-token-file'] ?? inDataDir(config.dataDir, config.backend.operatorTokenFile),
    'operator token file',
  );
  const { baseUrl, ca } = await apiOf(config, options);
  return new BackendClient({ baseUrl, token: operatorToken, ca });
}

async function userClient(
  config: Readonly<CamlinkConfig>,
  options: BackendOptionValues,
  env: NodeJS.ProcessEnv,
): Promise<BackendClient> {
  const { baseUrl, ca } = await apiOf(config, options);
  const fromEnv = options['token-file'] === undefined ? env['CAMLINK_APP_TOKEN'] : undefined;
  const token =
    fromEnv !== undefined && fromEnv !== ''
      ? fromEnv
      : await readToken(options['token-file'] ?? defaultTokenFile(config), 'token file').catch((err) => {
          if (options['token-file'] !== undefined) throw err;
          throw new CamlinkError(
            'CLI_USAGE',
            `no user token: create one with \`camlink app create-user --name NAME\` or give --token-file`,
            { cause: err },
          );
        });
  return new BackendClient({ baseUrl, token, ca });
}

/**
 * The backend's "no device ID" as the app sees it: the operator has not registered the camera (a JITP
 * camera is not known to the backend until then), or it is another user's. Says what to run.
 */
function withRegisterHint(err: unknown, deviceId: string): unknown {
  if (!(isCamlinkError(err) && err.code === 'NOT_FOUND' && err.message.startsWith('no device '))) return err;
  return new CamlinkError(
    'NOT_FOUND',
    `${err.message}: the backend does not know this camera (or it is paired to another user); ` +
      `the operator registers it with \`camlink device register ${deviceId}\``,
    { cause: err },
  );
}

function connectCamera(address: { host: string; port: number }): Promise<CameraLink> {
  return CameraLink.connect(address.host, address.port, 'camlink app');
}

function parsePositiveInt(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max)
    throw new CamlinkError('CLI_USAGE', `--${name} must be an integer from 1 to ${max}, got "${text}"`);
  return n;
}

const createUser = defineCommand({
  name: 'create-user',
  summary: "Operator: create a backend user and write the user's token file (0600).",
  description:
    'Uses the operator token (default: backend.operatorTokenFile in the data dir) to create a user and\n' +
    'writes their token to --out (default DATA_DIR/app/token), which the other app commands read.',
  options: {
    name: { type: 'string', valueName: 'NAME', description: "the user's display name" },
    out: { type: 'string', valueName: 'F', description: 'token file to write (default DATA_DIR/app/token)' },
    force: { type: 'boolean', description: 'replace an existing token file' },
    ...operatorTokenOption,
    ...backendOptions,
    json: jsonOption,
  },
  async run(ctx) {
    const config = ctx.config();
    const name = ctx.options.name;
    if (name === undefined || name.trim() === '')
      throw new CamlinkError('CLI_USAGE', 'camlink app create-user needs --name');
    const operator = await operatorClient(config, ctx.options);
    try {
      const out = resolve(ctx.options.out ?? defaultTokenFile(config));
      const { user, token } = await operator.createUser(name.trim());
      await writeFileAtomic(out, `${token.token}\n`, {
        mode: SECRET_FILE_MODE,
        overwrite: ctx.options.force === true,
      });
      printResult(ctx.io, ctx.options.json, {
        user: user.id,
        name: user.name,
        'token file': `${out} (mode 0600)`,
      });
      return 0;
    } finally {
      operator.close();
    }
  },
});

const pair = defineCommand({
  name: 'pair',
  summary: 'Pair the user with the camera: the camera signs the backend challenge over PTP/IP.',
  options: { ...cameraOption, ...backendOptions, json: jsonOption },
  async run(ctx) {
    const config = ctx.config();
    const address = parseCameraAddress(ctx.options.camera ?? '127.0.0.1');
    const app = await userClient(config, ctx.options, ctx.io.env);
    try {
      const camera = await connectCamera(address);
      try {
        const paired = await camera.pair(app).catch((err: unknown) => {
          throw withRegisterHint(err, camera.deviceId);
        });
        printResult(ctx.io, ctx.options.json, { paired: paired.deviceId, at: paired.pairedAt });
        return 0;
      } finally {
        camera.close();
      }
    } finally {
      app.close();
    }
  },
});

const upload = defineCommand({
  name: 'upload',
  summary: 'Get a pre-signed URL, hand it to the camera, and wait until the backend has the upload.',
  description:
    'Captures a new picture (or uploads --object HANDLE), asks the backend for a pre-signed PUT sized for\n' +
    "it, hands it to the camera over PTP/IP, shows the camera's upload progress on stderr and waits on the\n" +
    "user's event stream until the backend has reconciled the object. Exit 0 only when it is recorded done.",
  options: {
    ...cameraOption,
    object: { type: 'string', valueName: 'HANDLE', description: 'upload this object instead of capturing' },
    'content-type': { type: 'string', valueName: 'TYPE', description: 'override (default from PTP format)' },
    timeout: { type: 'string', valueName: 'S', description: 'give up after S seconds (default 120)' },
    ...backendOptions,
    json: jsonOption,
  },
  async run(ctx) {
    const config = ctx.config();
    const timeoutS = parsePositiveInt('timeout', ctx.options.timeout, 120, 3600);
    const handle =
      ctx.options.object === undefined
        ? undefined
        : parsePositiveInt('object', ctx.options.object, 0, 0xffffffff);
    const address = parseCameraAddress(ctx.options.camera ?? '127.0.0.1');
    const app = await userClient(config, ctx.options, ctx.io.env);
    try {
      const camera = await connectCamera(address);
      try {
        const progress = progressReporter((line) => ctx.io.stderr(`${line}\n`), 'upload');
        const result = await uploadThroughCamera(app, camera, {
          ...(handle === undefined ? {} : { handle }),
          ...(ctx.options['content-type'] ? { contentType: ctx.options['content-type'] } : {}),
          timeoutMs: timeoutS * 1000,
          onStep: (line) => ctx.io.stderr(`${line}\n`),
          onProgress: ({ sent, total }) => progress(sent, total),
        });
        printResult(ctx.io, ctx.options.json, {
          upload: result.upload.uploadId,
          device: result.upload.deviceId,
          object: result.handle,
          size: result.upload.size,
          sha256: result.upload.sha256,
          url: result.upload.url,
          'put ms': Math.round(result.putMs),
          'reconciled ms': Math.round(result.reconciledMs),
        });
        return 0;
      } finally {
        camera.close();
      }
    } finally {
      app.close();
    }
  },
});

const watch = defineCommand({
  name: 'watch',
  summary: "Follow the user's events (server-sent events), one JSON line each.",
  description:
    'Prints each event of the user (upload.completed, ...) as a JSON line on stdout. Stops after --count\n' +
    'events, after --timeout seconds (exit 1 if fewer than --count arrived), or on SIGINT/SIGTERM.',
  options: {
    count: { type: 'string', valueName: 'N', description: 'stop after N events' },
    timeout: { type: 'string', valueName: 'S', description: 'stop after S seconds' },
    ...backendOptions,
  },
  async run(ctx) {
    const config = ctx.config();
    const count = parsePositiveInt('count', ctx.options.count, Number.MAX_SAFE_INTEGER, 1_000_000);
    const timeoutS =
      ctx.options.timeout === undefined
        ? undefined
        : parsePositiveInt('timeout', ctx.options.timeout, 1, 86_400);
    const app = await userClient(config, ctx.options, ctx.io.env);
    const abort = new AbortController();
    let seen = 0;
    let timedOut = false;
    const timer =
      timeoutS === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            abort.abort();
          }, timeoutS * 1000);
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const following = app.watch(
        (event) => {
          ctx.io.stdout(`${JSON.stringify(event)}\n`);
          if (++seen >= count) abort.abort();
        },
        abort.signal,
        () => ctx.io.stderr('watching events (Ctrl-C to stop)\n'),
      );
      await following.catch((err: unknown) => {
        if (!abort.signal.aborted) throw err;
      });
      const short = ctx.options.count !== undefined && seen < count;
      if (timedOut && short) ctx.io.stderr(`timed out after ${timeoutS} s with ${seen} of ${count} events\n`);
      return short ? 1 : 0;
    } finally {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      app.close();
    }
  },
});

export const appCommand = defineGroup('app', summaries.app, [createUser, pair, upload, watch]);
