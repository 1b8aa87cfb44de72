/**
 * The ready-to-paste mosquitto_sub command `camlink device create` prints for the camera it made: the
 * endpoint from DATA_DIR/endpoints.json while the platform runs (`camlink up` writes it when ready and
 * removes it on stop), else the configured broker address; the operator CA, the certificate and key just
 * written, client id = thing name, the camera's own topics. With the note a newcomer needs: the first
 * connection of a new certificate is closed while it is provisioned, and mosquitto only says so as
 * "The connection was lost".
 */
import { join } from 'node:path';
import { readEndpoints } from '../../contracts/endpoints.js';
import { DEVICE_TOPIC_ROOT } from '../../contracts/topics.js';
import { shellQuote, shellWord } from '../../util/shell-quote.js';

export interface MosquittoHintInput {
  readonly deviceId: string;
  readonly dataDir: string;
  /** The operator CA (trust anchor of the endpoint's server certificate). */
  readonly caPath: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** The configured MQTT listener, used when no endpoints.json says where the platform listens. */
  readonly broker: { readonly host: string; readonly port: number };
}

/** Where a client reaches the endpoint: endpoints.json's `mqtt`, else the configuration. */
async function mqttAddress(
  dataDir: string,
  broker: MosquittoHintInput['broker'],
): Promise<{ host: string; port: string }> {
  // No endpoints.json (no platform running here) or a file being written: the configuration says.
  const url = await readEndpoints(join(dataDir, 'endpoints.json')).then(
    (endpoints) => new URL(endpoints.mqtt),
    () => undefined,
  );
  if (url !== undefined) return { host: reachable(url.hostname.replace(/^\[|\]$/g, '')), port: url.port };
  return { host: reachable(broker.host), port: broker.port === 0 ? 'PORT' : String(broker.port) };
}

export async function mosquittoSubHint(input: MosquittoHintInput): Promise<string> {
  const { host, port } = await mqttAddress(input.dataDir, input.broker);
  const filter = `${DEVICE_TOPIC_ROOT}/${input.deviceId}/#`;
  const lines = [
    '',
    'Talk to the endpoint as this camera (with camlink up running):',
    `mosquitto_sub -h ${shellWord(host)} -p ${port} --cafile ${shellWord(input.caPath)} \\`,
    `  --cert ${shellWord(input.certPath)} --key ${shellWord(input.keyPath)} \\`,
    `  -i ${shellWord(input.deviceId)} -t ${shellQuote(filter)} -v`,
    'Its first connection is closed while the endpoint provisions the new certificate (just-in-time',
    'provisioning, as on AWS IoT): mosquitto_sub prints "Error: The connection was lost." Run it again',
    'after a second (a client id may connect once per second).',
  ];
  if (port === 'PORT') lines.push('PORT: the MQTT port `camlink up` prints (broker.port is 0: a free one).');
  return `${lines.join('\n')}\n`;
}

/** A wildcard listen address is not one to connect to: the loopback of the same host is. */
function reachable(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}
