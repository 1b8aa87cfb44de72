/**
 * A backend aimed at a cloud never falls back to the embedded platform. Without backend.aws the
 * backend reads DATA_DIR/endpoints.json (what `camlink up` wrote) for its queue, IoT and MQTT; that is
 * right for local runs, including COS signed against the embedded store (backend.cos.endpoint), but a
 * config that names real COS (no endpoint) and no backend.aws would silently mix Tencent's object store
 * with a local queue and broker: refused at start, saying what to add.
 */
import { CamlinkError } from '../../errors/camlink-error.js';
import type { CamlinkConfig } from '../../config/schema.js';

export function checkCloudTarget(config: Readonly<CamlinkConfig>): void {
  const { backend } = config;
  if (backend.aws !== undefined) return;
  if (backend.presigner === 'cos' && backend.cos !== undefined && backend.cos.endpoint === undefined) {
    throw new CamlinkError(
      'CONFIG_INVALID',
      'backend.cos points at Tencent COS but backend.aws is not set: the backend would use the embedded ' +
        "platform's queue and MQTT broker (DATA_DIR/endpoints.json). Add backend.aws with region, " +
        'uploadQueueUrl, mqttUrl, mqttCertFile and mqttKeyFile (or set backend.cos.endpoint for a local store)',
    );
  }
}
