/**
 * The device certificate and key of `camlink camera` (and `camera stream`): --cert/--key when given,
 * else where `camlink device create ID` writes them (DATA_DIR/devices/ID.cert.pem and ID.key.pem).
 */
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CamlinkError } from '../../errors/camlink-error.js';
import { defaultDeviceOutDir } from '../../pki/device.js';

export const certOption = {
  type: 'string',
  valueName: 'F',
  description: 'device certificate (PEM; default DATA_DIR/devices/ID.cert.pem)',
} as const;
export const keyOption = {
  type: 'string',
  valueName: 'F',
  description: 'device private key (PEM; default DATA_DIR/devices/ID.key.pem)',
} as const;

export async function deviceCredentialFiles(
  deviceId: string,
  flags: { readonly cert: string | undefined; readonly key: string | undefined },
  dataDir: string,
): Promise<{ certFile: string; keyFile: string }> {
  const dir = defaultDeviceOutDir(resolve(dataDir));
  const certFile = flags.cert ?? join(dir, `${deviceId}.cert.pem`);
  const keyFile = flags.key ?? join(dir, `${deviceId}.key.pem`);
  // Files the user named are read (and reported FILE_UNREADABLE) by the command; the defaults are
  // checked here, so that their absence says where they were looked for and how to make them.
  const missing: string[] = [];
  for (const [flag, path] of [
    [flags.cert, certFile],
    [flags.key, keyFile],
  ] as const) {
    if (
      flag === undefined &&
      !(await access(path).then(
        () => true,
        () => false,
      ))
    )
      missing.push(path);
  }
  if (missing.length > 0) {
    throw new CamlinkError(
      'CLI_USAGE',
      `no device credentials for ${deviceId}: ${missing.join(' and ')} not found; ` +
        `run "camlink device create ${deviceId}" with the same --data-dir, or pass --cert and --key`,
    );
  }
  return { certFile, keyFile };
}
