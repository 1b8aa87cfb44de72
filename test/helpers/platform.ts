/** The embedded platform (`camlink up` in-process) on free ports in a test's own data dir. */
import type { TestContext } from 'node:test';
import { withEphemeralPorts } from '../../src/config/ephemeral-ports.js';
import { loadConfig } from '../../src/config/load.js';
import type { CamlinkConfig, ConfigInput } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { startPlatform, type RunningPlatform } from '../../src/platform/platform.js';
import type { Clock } from '../../src/util/clock.js';

/** The platform's configuration with every listener on port 0; `extra` sections are merged in. */
export function platformConfig(dataDir: string, extra: ConfigInput = {}): CamlinkConfig {
  return withEphemeralPorts(
    loadConfig({ env: {}, flags: { ...extra, dataDir, log: { level: 'silent', ...extra.log } } }),
  );
}

export async function startTestPlatform(
  t: TestContext,
  dataDir: string,
  options: {
    extra?: ConfigInput;
    clock?: Clock;
    /** Receives every info-level log line of the platform, parsed (to wait on a logged event). */
    onLog?: (line: Record<string, unknown>) => void;
  } = {},
): Promise<{ platform: RunningPlatform; config: CamlinkConfig }> {
  const config = platformConfig(dataDir, options.extra);
  const { onLog } = options;
  const logger =
    onLog === undefined
      ? createLogger({ level: 'silent' })
      : createLogger(
          { level: 'info' },
          { write: (line: string) => void onLog(JSON.parse(line) as Record<string, unknown>) },
        );
  const platform = await startPlatform(config, logger, {
    ...(options.clock ? { clock: options.clock } : {}),
  });
  t.after(() => platform.close());
  return { platform, config };
}
