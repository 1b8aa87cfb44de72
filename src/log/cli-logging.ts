/**
 * Where a long-running command's logs go. `json` (not a terminal: CI, pipes, systemd, `camlink sim`'s
 * child, tests) is pino's JSON lines on stderr, as always. `pretty` (a person at a terminal) writes the
 * full JSON lines to a size-capped file (log-file.ts) when one is given, and shows on stderr only the
 * lines at consoleLevel or above, one human line each (pretty.ts).
 */
import { resolve } from 'node:path';
import type { Level } from 'pino';
import { createLogger, type Logger } from './logger.js';
import { SizeCappedLogFile, LOG_FILE_MAX_BYTES } from './log-file.js';
import { LEVEL_VALUES, levelOf, prettyLine } from './pretty.js';

export type LogFormat = 'json' | 'pretty';
export const LOG_FORMAT_SETTINGS = ['auto', 'json', 'pretty'] as const;
export type LogFormatSetting = (typeof LOG_FORMAT_SETTINGS)[number];
export type LogLevel = Level | 'silent';

/** `auto` is pretty when stdout is a terminal, JSON otherwise. */
export function resolveLogFormat(setting: LogFormatSetting, stdoutIsTTY: boolean | undefined): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTTY === true ? 'pretty' : 'json';
}

/**
 * The least level shown on the terminal in pretty mode: the level asked with --log-level, else warnings
 * and errors only (the file keeps the configured level, info by default).
 */
export function consoleLevelFor(level: LogLevel, explicit: boolean): LogLevel {
  if (explicit || level === 'silent') return level;
  return LEVEL_VALUES[level] >= LEVEL_VALUES.warn ? level : 'warn';
}

/** `camlink up`'s log file in pretty mode. */
export function logFileOf(dataDir: string): string {
  return resolve(dataDir, 'logs', 'camlink.log');
}

export interface CliLoggingOptions {
  readonly name: string;
  /** What is logged: to stderr (json) or to the file (pretty). */
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** pretty: the least level also shown on stderr, one human line each. */
  readonly consoleLevel: LogLevel;
  /** pretty: the file that gets every JSON line; without one only the stderr lines remain. */
  readonly file?: string | undefined;
  readonly maxFileBytes?: number;
  /** The command's stderr (pretty lines and a failing log file's notice). */
  readonly stderr: (text: string) => void;
}

export interface CliLogging {
  readonly logger: Logger;
  readonly format: LogFormat;
  readonly level: LogLevel;
  /** pretty: the least level shown on stderr. */
  readonly consoleLevel: LogLevel;
  /** The log file (pretty with a file), absolute. */
  readonly file: string | undefined;
  readonly maxFileBytes: number;
  /**
   * pretty: where JSON lines logged on another thread (the backend's) go, to end up like this logger's;
   * undefined with json, where they go to stderr by themselves.
   */
  readonly lines: ((line: string) => void) | undefined;
  close(): void;
}

export function cliLogging(options: CliLoggingOptions): CliLogging {
  const { name, level, format } = options;
  const maxFileBytes = options.maxFileBytes ?? LOG_FILE_MAX_BYTES;
  if (format === 'json') {
    return {
      logger: createLogger({ level, name }),
      format,
      level,
      consoleLevel: level,
      file: undefined,
      maxFileBytes,
      lines: undefined,
      close: () => undefined,
    };
  }
  const wanted = options.file === undefined ? undefined : resolve(options.file);
  const file = wanted === undefined ? undefined : openLogFile(wanted, maxFileBytes, options.stderr);
  const path = file?.path;
  // No file after all: the terminal shows what is logged.
  const consoleLevel = wanted !== undefined && file === undefined ? level : options.consoleLevel;
  const shown = consoleLevel === 'silent' ? Infinity : LEVEL_VALUES[consoleLevel];
  const lines = (line: string): void => {
    file?.write(line);
    const at = levelOf(line);
    if (at !== undefined && at >= shown) options.stderr(prettyLine(line));
  };
  return {
    logger: createLogger({ level, name }, { write: lines }),
    format,
    level,
    consoleLevel,
    file: path,
    maxFileBytes,
    lines,
    close: () => file?.close(),
  };
}

/**
 * The log file, or undefined (said on stderr) when it cannot be opened: the command goes on and fails, if
 * it must, with its own error (an unwritable data dir is the data-dir lock's to report).
 */
function openLogFile(
  path: string,
  maxBytes: number,
  stderr: (text: string) => void,
): SizeCappedLogFile | undefined {
  try {
    return new SizeCappedLogFile(path, {
      maxBytes,
      onError: (err) =>
        stderr(`camlink: cannot write the log file ${path} (${err.message}); it gets no more lines\n`),
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    stderr(`camlink: cannot open the log file ${path} (${why}); logs are shown here only\n`);
    return undefined;
  }
}
