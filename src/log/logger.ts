/**
 * Structured logs (pino) on stderr. Secrets are redacted by key name wherever they appear one or two
 * levels deep, so a private key, token or signature that reaches a log call prints as [REDACTED].
 */
import { pino, destination as pinoDestination, type Logger, type DestinationStream, type Level } from 'pino';

export type { Logger };

export const REDACTED_KEYS = [
  'privateKey',
  'key',
  'keyPem',
  'secretAccessKey',
  'secretKey',
  'secretId',
  'sessionToken',
  'securityToken',
  'TmpSecretId',
  'TmpSecretKey',
  'Token',
  'password',
  'token',
  'authorization',
  'Authorization',
  'signature',
  'X-Amz-Signature',
  'x-amz-security-token',
  'x-cos-security-token',
  'X-Amz-Security-Token',
  'q-signature',
] as const;

export const redactPaths: string[] = REDACTED_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key, join('*'), join('*.*')];
});

export function createLogger(
  options: { level?: Level | 'silent'; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.name === undefined ? null : { name: options.name },
      redact: { paths: redactPaths, censor: '[REDACTED]' },
    },
    destination ?? pinoDestination(2),
  );
}
