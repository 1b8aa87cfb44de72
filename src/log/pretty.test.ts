import { test } from 'node:test';
import assert from 'node:assert/strict';
import { levelOf, prettyLine } from './pretty.js';

const time = new Date(2026, 0, 2, 3, 4, 5).getTime();

test('a pino line becomes one human line: time, level, component, message, then key=value', () => {
  const line = JSON.stringify({
    level: 40,
    time,
    name: 'camlink',
    component: 'broker',
    closedMs: 2208,
    why: 'the backend is subscribed',
    msg: 'devices admitted',
  });
  assert.equal(
    prettyLine(line),
    '03:04:05 WARN  broker: devices admitted (closedMs=2208 why="the backend is subscribed")\n',
  );
});

test('an error shows its message only, a multi-line message stays on one line, no fields means no ()', () => {
  const err = { type: 'Error', message: 'disk full\nat /x', stack: 'Error: disk full\n    at f (x.ts:1)' };
  assert.equal(
    prettyLine(JSON.stringify({ level: 50, time, name: 'camlink', err, msg: 'TLS reload\nfailed' })),
    '03:04:05 ERROR TLS reload failed (err="disk full at /x")\n',
  );
  assert.equal(prettyLine(JSON.stringify({ level: 60, time, msg: 'gone' })), '03:04:05 FATAL gone\n');
});

test('a line that is not a JSON object is passed on as one line; levelOf reads the level up front', () => {
  assert.equal(prettyLine('(node:1) Warning: something\n'), '(node:1) Warning: something\n');
  assert.equal(levelOf('{"level":40,"time":1,"msg":"x"}\n'), 40);
  assert.equal(levelOf('not json'), undefined);
});
