/**
 * The camera's temporary AWS credentials, from the IoT credentials provider (AWS IoT "Authorizing
 * direct calls to AWS services"): `GET <provider>/role-aliases/<alias>/credentials` over mutual TLS
 * with the device certificate and key, header `x-amzn-iot-thingname`. `deviceCredentialProvider`
 * wraps it as an AWS SDK credential provider that caches the credentials until 5 minutes before they
 * expire (clock injectable) and shares one request among concurrent callers.
 */
import https from 'node:https';
import { CAMERA_ROLE_ALIAS } from '../../contracts/camera-role.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { systemClock, type Clock } from '../../util/clock.js';

export interface DeviceCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface CredentialsRequestOptions {
  /** The provider's base URL (endpoints.json `iotCredentials`), https. */
  readonly url: string;
  /** The thing name, sent as x-amzn-iot-thingname. */
  readonly deviceId: string;
  readonly certificatePem: string | Buffer;
  readonly keyPem: string | Buffer;
  /** Trust anchor for the provider's certificate; absent: the system roots. */
  readonly ca?: string | Buffer;
  /** Default: the camera role alias (camlink-camera). */
  readonly roleAlias?: string;
  /** Default 10 s. */
  readonly timeoutMs?: number;
}

/** The largest answer read from the provider (a credentials document is about 1-2 KiB). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** One request to the credentials provider. */
export function fetchDeviceCredentials(options: CredentialsRequestOptions): Promise<DeviceCredentials> {
  const alias = options.roleAlias ?? CAMERA_ROLE_ALIAS;
  const url = `${options.url.replace(/\/+$/, '')}/role-aliases/${encodeURIComponent(alias)}/credentials`;
  const failed = (message: string, cause?: unknown) =>
    new CamlinkError('DEVICE_CREDENTIALS_FAILED', `credentials provider ${options.url}: ${message}`, {
      ...(cause === undefined ? {} : { cause }),
    });
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'GET',
        cert: options.certificatePem,
        key: options.keyPem,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        headers: { 'x-amzn-iot-thingname': options.deviceId, accept: 'application/json' },
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy(failed(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => reject(failed(err.message, err)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          if (status !== 200) {
            const message = messageOf(body) ?? (text.slice(0, 200) || `HTTP ${status}`);
            const code =
              status >= 400 && status < 500 ? 'DEVICE_CREDENTIALS_REFUSED' : 'DEVICE_CREDENTIALS_FAILED';
            reject(
              new CamlinkError(
                code,
                `credentials provider answered ${status} for ${options.deviceId}: ${message}`,
                {
                  details: { status },
                },
              ),
            );
            return;
          }
          const credentials = credentialsOf(body);
          if (credentials === undefined) reject(failed('the answer is not a credentials document'));
          else resolve(credentials);
        });
      },
    );
    req.on('timeout', () => req.destroy(failed('no answer in time')));
    req.on('error', (err) => reject(err instanceof CamlinkError ? err : failed(err.message, err)));
    req.end();
  });
}

export interface DeviceCredentialProviderOptions extends CredentialsRequestOptions {
  readonly clock?: Clock;
  /** Fetch again this long before expiration (default 5 minutes). */
  readonly refreshBeforeMs?: number;
  /** The request itself (tests replace it). */
  readonly fetch?: (options: CredentialsRequestOptions) => Promise<DeviceCredentials>;
}

/** An AWS SDK credential provider (AwsCredentialIdentityProvider) over the IoT credentials provider. */
export type DeviceCredentialProvider = () => Promise<DeviceCredentials>;

export function deviceCredentialProvider(options: DeviceCredentialProviderOptions): DeviceCredentialProvider {
  const clock = options.clock ?? systemClock;
  const refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60 * 1000;
  const fetch = options.fetch ?? fetchDeviceCredentials;
  let cached: DeviceCredentials | undefined;
  let pending: Promise<DeviceCredentials> | undefined;
  return () => {
    if (cached !== undefined && clock.now().getTime() < cached.expiration.getTime() - refreshBeforeMs) {
      return Promise.resolve(cached);
    }
    pending ??= fetch(options).then(
      (credentials) => {
        cached = credentials;
        pending = undefined;
        return credentials;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}

function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('message' in body)) return undefined;
  return typeof body.message === 'string' ? body.message : undefined;
}

function credentialsOf(body: unknown): DeviceCredentials | undefined {
  if (typeof body !== 'object' || body === null || !('credentials' in body)) return undefined;
  const c: unknown = body.credentials;
  if (typeof c !== 'object' || c === null) return undefined;
  const field = (name: string): string | undefined => {
    const value: unknown = (c as Record<string, unknown>)[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const accessKeyId = field('accessKeyId');
  const secretAccessKey = field('secretAccessKey');
  const sessionToken = field('sessionToken');
  const expiration = new Date(field('expiration') ?? NaN);
  if (accessKeyId === undefined || secretAccessKey === undefined || sessionToken === undefined)
    return undefined;
  if (Number.isNaN(expiration.getTime())) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}
