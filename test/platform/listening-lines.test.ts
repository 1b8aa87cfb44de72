/** The platform's "listening" log lines name the scheme each service really serves (all HTTPS). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

test('every listening line of camlink up says https (the backend API too), none says http://', async (t) => {
  const dataDir = await tempDir(t);
  const messages: string[] = [];
  const { platform } = await startTestPlatform(t, dataDir, {
    onLog: (line) => messages.push(`${String(line.msg)} ${JSON.stringify(line)}`),
  });
  assert.ok(
    messages.some((m) => m.startsWith(`backend API listening at ${platform.endpoints.api} `)),
    `no backend listening line naming ${platform.endpoints.api}:\n${messages.join('\n')}`,
  );
  assert.deepEqual(
    messages.filter((m) => m.includes('http://')),
    [],
    'a line names http:// while every service serves HTTPS',
  );
});
