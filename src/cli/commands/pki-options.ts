/** Options and context shared by the PKI commands (ca, device). */
import { CamlinkError } from '../../errors/camlink-error.js';
import { keyAlgorithms, type KeyAlgorithmName } from '../../config/schema.js';
import { pkiContext } from '../../pki/context.js';
import type { CommandContext, OptionSpec } from '../command.js';

export function parseKeyAlgorithm(value: string | undefined): KeyAlgorithmName | undefined {
  if (value === undefined) return undefined;
  const found = keyAlgorithms.find((k) => k === value);
  if (found === undefined) {
    throw new CamlinkError(
      'CLI_USAGE',
      `--key-algorithm must be one of ${keyAlgorithms.join(', ')} (got "${value}")`,
    );
  }
  return found;
}

export function contextOf<O extends Record<string, OptionSpec>>(ctx: CommandContext<O>) {
  const config = ctx.config();
  return { config, pki: pkiContext(config.dataDir, config.pki) };
}

export const keyAlgorithmOption = {
  type: 'string',
  valueName: 'ALG',
  description: `key type: ${keyAlgorithms.join(' | ')} (default from config pki.keyAlgorithm)`,
} as const;
