/**
 * The one camlink configuration schema. Every key has a documented default (docs/configuration.md);
 * unknown keys are rejected at every level and values out of range are errors, never clamped.
 */
import { z } from 'zod';
import { THING_NAME_MAX_LENGTH } from '../contracts/device-id.js';

const regexSource = z
  .string()
  .min(1)
  .max(512)
  .refine(
    (source) => {
      try {
        new RegExp(source, 'u');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid regular expression' },
  );

export const keyAlgorithms = ['ecdsa-p256', 'rsa-2048'] as const;
export type KeyAlgorithmName = (typeof keyAlgorithms)[number];

export const pkiConfigSchema = z.strictObject({
  /** Key type for new CA, device, server and verification keys. */
  keyAlgorithm: z.enum(keyAlgorithms).default('ecdsa-p256'),
  /** Subject CN of the operator CA. */
  caCommonName: z.string().min(1).max(64).default('camlink operator CA'),
  /** Subject O of the operator CA. */
  organization: z.string().min(1).max(64).default('camlink'),
  caValidityDays: z.number().int().min(1).max(36_500).default(7_300),
  deviceValidityDays: z.number().int().min(1).max(36_500).default(3_650),
  serverValidityDays: z.number().int().min(1).max(825).default(397),
  verificationValidityDays: z.number().int().min(1).max(3_650).default(30),
  /** How long a CRL is valid for; the platform re-signs it before then. */
  crlValidityDays: z.number().int().min(1).max(365).default(30),
  /** Extra operator rule for device ids (on top of the thing-name rule), e.g. "^cam-[0-9a-f]{12}$". */
  deviceIdPattern: regexSource.default(`^[A-Za-z0-9:_-]{1,${THING_NAME_MAX_LENGTH}}$`),
  /** SANs of the embedded endpoints' server certificate. */
  serverSans: z.array(z.string().min(1).max(253)).min(1).max(100).default(['localhost', '127.0.0.1', '::1']),
});

export const configSchema = z.strictObject({
  /** Where camlink keeps its state (pki/, endpoints.json, databases). */
  dataDir: z.string().min(1).max(4096).default('.camlink'),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  pki: pkiConfigSchema.prefault({}),
});

export type CamlinkConfig = z.infer<typeof configSchema>;
export type PkiConfig = z.infer<typeof pkiConfigSchema>;
export type ConfigInput = z.input<typeof configSchema>;
