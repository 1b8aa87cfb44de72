/**
 * The --log-format option of the long-running commands (`camlink up`, `camlink demo`) and the logging it
 * picks: the flag, else config log.format (CAMLINK_LOG__FORMAT), where `auto` is pretty when stdout is a
 * terminal (CliIo.stdoutIsTTY) and JSON otherwise. See src/log/cli-logging.ts for what each means.
 */
import type { CamlinkConfig } from '../config/schema.js';
import { CamlinkError } from '../errors/camlink-error.js';
import {
  cliLogging,
  consoleLevelFor,
  LOG_FORMAT_SETTINGS,
  resolveLogFormat,
  type CliLogging,
  type LogFormatSetting,
} from '../log/cli-logging.js';
import type { CliIo } from './command.js';

export const logFormatOption = {
  type: 'string',
  valueName: 'FORMAT',
  description:
    'auto|json|pretty: logs as JSON lines on stderr, or for people (default auto: pretty when stdout is a terminal; config log.format)',
} as const;

export function commandLogging(
  ctx: {
    readonly io: CliIo;
    readonly options: {
      readonly 'log-format'?: string | undefined;
      readonly 'log-level'?: string | undefined;
    };
  },
  config: Readonly<CamlinkConfig>,
  spec: {
    readonly name: string;
    /** pretty: the file that gets the full JSON logs; without one, pretty shows every line on stderr. */
    readonly file?: string;
    /** The level logged when --log-level is not given (default config log.level). */
    readonly level?: CamlinkConfig['log']['level'];
  },
): CliLogging {
  const setting = logFormatSetting(ctx.options['log-format']) ?? config.log.format;
  const format = resolveLogFormat(setting, ctx.io.stdoutIsTTY);
  const explicit = ctx.options['log-level'] !== undefined;
  const level = explicit ? config.log.level : (spec.level ?? config.log.level);
  return cliLogging({
    name: spec.name,
    level,
    format,
    // Without a file, the terminal is the only place: it shows what is logged.
    consoleLevel: spec.file === undefined ? level : consoleLevelFor(level, explicit),
    file: spec.file,
    stderr: (text) => ctx.io.stderr(text),
  });
}

function logFormatSetting(flag: string | undefined): LogFormatSetting | undefined {
  if (flag === undefined) return undefined;
  const known = LOG_FORMAT_SETTINGS.find((s) => s === flag);
  if (known === undefined) {
    throw new CamlinkError(
      'CLI_USAGE',
      `--log-format must be one of ${LOG_FORMAT_SETTINGS.join(', ')}, not "${flag}"`,
    );
  }
  return known;
}
