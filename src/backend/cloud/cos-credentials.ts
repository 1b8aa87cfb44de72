/**
 * Where the backend's COS keys come from (backend.cos): static keys from the config, or temporary keys
 * printed by backend.cos.credentialProcess, a command run without a shell whose stdout is the JSON of
 * Tencent STS AssumeRole / GetFederationToken (`tccli sts AssumeRole` prints it; the API's `Response`
 * wrapper is accepted too): Credentials.TmpSecretId / TmpSecretKey / Token and ExpiredTime (Unix
 * seconds) or Expiration (ISO 8601). The keys are cached and fetched again once less than half their
 * lifetime (at most REFRESH_BEFORE_SECONDS) is left, or when a signer asks (forceRefresh, honoured
 * once keys are FORCE_REFRESH_MIN_AGE_SECONDS old, so a process that only prints short-lived keys is
 * not run again at once); concurrent callers share one run. A failed early refresh keeps the keys
 * while they are still valid (the presigner shortens or refuses URLs as they near expiry). The run is bounded in time and output; its output is never logged.
 */
import { execFile } from 'node:child_process';
import { CamlinkError } from '../../errors/camlink-error.js';
import type { CosCredentials, CosCredentialSource } from '../../presign/cos.js';
import type { AwsCredentialSource } from '../../presign/s3.js';
import type { Clock } from '../../util/clock.js';

/** A credential process that runs longer is killed. */
export const CREDENTIAL_PROCESS_TIMEOUT_MS = 30_000;
/** Largest stdout accepted from a credential process. */
export const CREDENTIAL_PROCESS_MAX_OUTPUT_BYTES = 64 * 1024;
/** Cached keys are refreshed this long before they expire at the latest (as the AWS SDK does). */
export const REFRESH_BEFORE_SECONDS = 300;
/** A forced refresh of keys younger than this returns them as they are. */
export const FORCE_REFRESH_MIN_AGE_SECONDS = 5;

export interface CosKeyConfig {
  readonly secretId?: string | undefined;
  readonly secretKey?: string | undefined;
  readonly securityToken?: string | undefined;
  readonly credentialProcess?: readonly string[] | undefined;
}

/** The COS key source a backend.cos section describes. */
export function cosCredentialSource(cos: CosKeyConfig, clock: Clock): CosCredentialSource {
  if (cos.credentialProcess !== undefined) return processSource(cos.credentialProcess, clock);
  if (cos.secretId === undefined || cos.secretKey === undefined) {
    throw new CamlinkError(
      'CONFIG_INVALID',
      'backend.cos needs secretId + secretKey or credentialProcess (exactly one)',
    );
  }
  const fixed: CosCredentials = {
    secretId: cos.secretId,
    secretKey: cos.secretKey,
    securityToken: cos.securityToken,
  };
  return () => Promise.resolve(fixed);
}

function processSource(argv: readonly string[], clock: Clock): CosCredentialSource {
  let cached: { credentials: CosCredentials; fetchedAt: number; refreshAt: number } | undefined;
  let running: Promise<CosCredentials> | undefined;
  const refresh = (): Promise<CosCredentials> => {
    running ??= runCredentialProcess(argv)
      .then((credentials) => {
        const now = clock.now().getTime();
        const expires = credentials.expiration?.getTime() ?? now;
        if (expires <= now) {
          throw new CamlinkError(
            'CREDENTIAL_PROCESS_FAILED',
            `backend.cos.credentialProcess (${argv[0]}) printed keys that expired at ${new Date(expires).toISOString()}`,
          );
        }
        const lead = Math.min(REFRESH_BEFORE_SECONDS * 1000, (expires - now) / 2);
        cached = { credentials, fetchedAt: now, refreshAt: expires - lead };
        return credentials;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return async (options) => {
    if (cached === undefined) return refresh();
    const now = clock.now().getTime();
    if (now >= cached.refreshAt) {
      const held = cached.credentials;
      return refresh().catch((err: unknown) => {
        if ((held.expiration?.getTime() ?? 0) > clock.now().getTime()) return held;
        throw err;
      });
    }
    if (options?.forceRefresh === true && now - cached.fetchedAt >= FORCE_REFRESH_MIN_AGE_SECONDS * 1000) {
      return refresh();
    }
    return cached.credentials;
  };
}

/** Runs the command once and parses its stdout. */
export function runCredentialProcess(argv: readonly string[]): Promise<CosCredentials> {
  const [command, ...args] = argv;
  if (command === undefined) {
    return Promise.reject(new CamlinkError('CONFIG_INVALID', 'backend.cos.credentialProcess is empty'));
  }
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        shell: false,
        timeout: CREDENTIAL_PROCESS_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: CREDENTIAL_PROCESS_MAX_OUTPUT_BYTES,
        encoding: 'utf8',
        windowsHide: true,
      },
      (err, stdout) => {
        if (err !== null) {
          // The output may hold secrets: name the command and how it ended, nothing it printed.
          const how =
            'killed' in err && err.killed
              ? `was killed (over ${CREDENTIAL_PROCESS_TIMEOUT_MS / 1000} s or ${CREDENTIAL_PROCESS_MAX_OUTPUT_BYTES} bytes of output)`
              : typeof err.code === 'number'
                ? `exited with status ${err.code}`
                : `could not run (${String(err.code ?? err.message)})`;
          reject(
            new CamlinkError('CREDENTIAL_PROCESS_FAILED', `backend.cos.credentialProcess ${command} ${how}`),
          );
          return;
        }
        try {
          resolve(parseStsCredentials(stdout));
        } catch (parseErr) {
          reject(parseErr instanceof Error ? parseErr : new Error(String(parseErr)));
        }
      },
    );
  });
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** Tencent STS credentials JSON (with or without the API's `Response` wrapper) to COS keys. */
export function parseStsCredentials(text: string): CosCredentials {
  const refuse = (what: string): never => {
    throw new CamlinkError(
      'CREDENTIAL_PROCESS_FAILED',
      `backend.cos.credentialProcess printed ${what}; expected Tencent STS JSON ` +
        '{"Credentials":{"TmpSecretId","TmpSecretKey","Token"},"ExpiredTime"}',
    );
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse('no JSON');
  }
  const body = field(json, 'Response') ?? json;
  const creds = field(body, 'Credentials');
  const secretId = field(creds, 'TmpSecretId');
  const secretKey = field(creds, 'TmpSecretKey');
  const token = field(creds, 'Token');
  const text16 = (v: unknown, max: number): v is string =>
    typeof v === 'string' && v.length >= 16 && v.length <= max;
  if (!text16(secretId, 256) || !text16(secretKey, 256)) return refuse('no TmpSecretId/TmpSecretKey');
  if (typeof token !== 'string' || token.length === 0 || token.length > 8192) return refuse('no Token');
  const expiredTime = field(body, 'ExpiredTime');
  const expirationIso = field(body, 'Expiration');
  let expiration: Date | undefined;
  if (typeof expiredTime === 'number' && Number.isSafeInteger(expiredTime) && expiredTime > 0) {
    expiration = new Date(expiredTime * 1000);
  } else if (typeof expirationIso === 'string' && !Number.isNaN(Date.parse(expirationIso))) {
    expiration = new Date(Date.parse(expirationIso));
  }
  if (expiration === undefined) return refuse('no ExpiredTime or Expiration');
  return { secretId, secretKey, securityToken: token, expiration };
}

/** COS keys as AWS SDK credentials (COS's S3-compatible API: SecretId/SecretKey, Token as the session token). */
export function cosAsAws(source: CosCredentialSource): AwsCredentialSource {
  return async (options) => {
    const keys = await source(options);
    return {
      accessKeyId: keys.secretId,
      secretAccessKey: keys.secretKey,
      ...(keys.securityToken === undefined ? {} : { sessionToken: keys.securityToken }),
      ...(keys.expiration === undefined ? {} : { expiration: keys.expiration }),
    };
  };
}
