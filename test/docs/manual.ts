/**
 * Reads docs/deploy.md as data (src/rehearsal/run/manual.ts, what `npm run rehearse` runs), so tests check
 * what the manual tells an operator to type instead of a copy of it that could drift. Sample values for
 * its `<placeholders>` and for the shell variables its configuration files are written with.
 */
import { manualBlocks, splitCommands, type ManualBlock } from '../../src/rehearsal/run/manual.js';

export { MANUAL_PATH, manualBlocks, type ManualBlock } from '../../src/rehearsal/run/manual.js';

/** Sample values for the manual's `<placeholders>` (stack outputs, the endpoint prefix, keys). */
const PLACEHOLDERS: Record<string, string> = {
  prefix: 'a1b2c3d4e5f6g7',
  'UploadQueueUrl output': 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/camlink-uploads',
  'MediaBucket output': 'camlink-media-123456789012-ap-northeast-1',
  SecretId: 'AKIDEXAMPLEEXAMPLEEXAMPLE',
  SecretKey: 'EXAMPLEKEYEXAMPLEKEYEXAMPLEKEY',
};

/** Replaces every `<name>` the manual uses with a sample value; an unknown placeholder is an error. */
export function fillPlaceholders(text: string): string {
  return text.replace(/<([^<>\n]+)>/g, (_match, name: string) => {
    const value = PLACEHOLDERS[name];
    if (value === undefined) throw new Error(`docs/deploy.md: no sample value for placeholder <${name}>`);
    return value;
  });
}

/** Sample values of the shell variables (what the vars blocks set and the commands read from AWS). */
const VARIABLES: Record<string, string> = {
  REGION: 'cn-north-1',
  PARTITION: 'aws-cn',
  BACKEND_PORT: '8080',
  QUEUE_URL: 'https://sqs.cn-north-1.amazonaws.com.cn/210987654321/camlink-uploads',
  MQTT_URL: 'mqtts://a1b2c3d4e5f6g7.ats.iot.cn-north-1.amazonaws.com.cn:8883',
  BUCKET: 'camlink-media-210987654321-cn-north-1',
  VIDEO_REGION: 'cn-north-1',
  APPID: '1250000000',
  COS_REGION: 'ap-shanghai',
  COS_ROLE: 'qcs::cam::uin/100000000001:roleName/camlink-media',
};

/** Replaces `$NAME` / `${NAME}` with a sample value; an unknown variable is an error. */
export function fillVariables(text: string): string {
  return text.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (_match, name: string) => {
    const value = VARIABLES[name];
    if (value === undefined) throw new Error(`docs/deploy.md: no sample value for variable $${name}`);
    return value;
  });
}

export interface WrittenFile {
  readonly path: string;
  readonly body: string;
  readonly block: ManualBlock;
  readonly line: number;
}

/** Files the runnable blocks write with `cat > PATH <<EOF ... EOF` (bodies as written, unexpanded). */
export function writtenFiles(blocks = manualBlocks()): WrittenFile[] {
  return blocks
    .filter((block) => block.targets.length > 0)
    .flatMap((block) =>
      splitCommands(block).flatMap((command) => {
        const m = /^cat >\s*(\S+)\s*<<-?\s*(['"]?)(\w+)\2\s*\n([\s\S]*)\n\s*\3\s*$/.exec(command.text);
        return m ? [{ path: m[1]!, body: m[4]!, block, line: command.line }] : [];
      }),
    );
}
