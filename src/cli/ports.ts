/** Port flags of the CLI (--port, --ptpip-port): 0-65535, 0 meaning a free port; anything else is CLI_USAGE. */
import { CamlinkError } from '../errors/camlink-error.js';

export function parsePortOption(flag: string, value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65_535) {
    throw new CamlinkError('CLI_USAGE', `--${flag} ${value} is not a port number (0-65535)`);
  }
  return port;
}
