/**
 * Every listener of the embedded platform on a free port chosen by the OS (`camlink up
 * --ephemeral-ports`, `camlink demo`, tests and benchmarks): one place that knows all the ports, so a
 * service that joins the platform is covered everywhere at once.
 */
import type { CamlinkConfig } from './schema.js';

export function withEphemeralPorts(config: Readonly<CamlinkConfig>): CamlinkConfig {
  return {
    ...config,
    broker: { ...config.broker, port: 0, devPlaintext: { ...config.broker.devPlaintext, port: 0 } },
    iot: {
      ...config.iot,
      api: { ...config.iot.api, port: 0 },
      credentials: { ...config.iot.credentials, port: 0 },
    },
    storage: { ...config.storage, port: 0 },
    queue: { ...config.queue, port: 0 },
    video: { ...config.video, port: 0 },
    backend: { ...config.backend, port: 0 },
    sts: { ...config.sts, port: 0 },
    iam: { ...config.iam, port: 0 },
  };
}
