/**
 * What `camlink up` prints on stdout once the platform is up: "camlink is up (data dir D)" and one line
 * per endpoint, ending with "endpoints FILE" (`camlink sim` and the rehearsal wait for those two). For a
 * person at a terminal (pretty logs) it adds where the logs go and how to stop it.
 */
import type { Endpoints } from '../contracts/endpoints.js';
import type { LogFormat, LogLevel } from '../log/cli-logging.js';

export interface SummaryPlatform {
  readonly endpoints: Endpoints;
  readonly endpointsPath: string;
  readonly operatorTokenFile: string;
}

export interface SummaryLogging {
  readonly format: LogFormat;
  readonly level: LogLevel;
  /** pretty: the least level shown on the terminal. */
  readonly consoleLevel: LogLevel;
  readonly file: string | undefined;
  readonly maxFileBytes: number;
}

/** "starting ..." before the platform is up, for a person (pretty); nothing for JSON logs. */
export function startingLine(dataDir: string, logging: SummaryLogging): string {
  if (logging.format !== 'pretty') return '';
  const logs = logging.file === undefined ? '' : `; logs in ${logging.file}`;
  return `starting camlink (data dir ${dataDir}${logs})\n`;
}

export function upSummary(platform: SummaryPlatform, dataDir: string, logging: SummaryLogging): string {
  const e = platform.endpoints;
  const lines = [
    `camlink is up (data dir ${dataDir})`,
    `  mqtt (mutual TLS)  ${e.mqtt}`,
    ...(e.mqttPlaintext ? [`  mqtt (DEV, no auth) ${e.mqttPlaintext}`] : []),
    `  IoT API (SigV4)    ${e.iot}`,
    `  IoT credentials    ${e.iotCredentials ?? '-'}  (mutual TLS)`,
    `  S3 (SigV4, COS)    ${e.s3}`,
    `  KVS (SigV4, HLS)   ${e.kvs ?? '-'}`,
    `  SQS                ${e.sqs}  upload queue ${e.uploadQueueUrl}`,
    `  AWS credentials    ${e.credentials.sharedCredentialsFile} (profile ${e.credentials.profile})`,
    ...(e.sts === undefined ? [] : [`  STS (SigV4)        ${e.sts}`]),
    ...(e.iam === undefined ? [] : [`  IAM (SigV4)        ${e.iam}`]),
    e.api === undefined
      ? '  backend API        - (fresh cloud account: run `camlink backend`)'
      : `  backend API        ${e.api}  (operator token in ${platform.operatorTokenFile})`,
    `  CA certificate     ${e.caPath}`,
    `  endpoints          ${platform.endpointsPath}`,
  ];
  if (logging.format === 'pretty') lines.push(...prettyTail(logging));
  return `${lines.join('\n')}\n`;
}

function prettyTail(logging: SummaryLogging): string[] {
  const shown =
    logging.consoleLevel === 'silent'
      ? 'logs are not shown here'
      : logging.consoleLevel === 'warn'
        ? 'warnings and errors show here'
        : `log lines at ${logging.consoleLevel} and up show here`;
  const logs =
    logging.file === undefined
      ? []
      : [
          `  logs               ${logging.file} (JSON, ${logging.level} and up; over ${mib(logging.maxFileBytes)} it moves to .1)`,
        ];
  return [...logs, `Stop with Ctrl-C (or SIGTERM); ${shown}.`];
}

function mib(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
