/** The matrix table of docs/security.md: render and parse are inverses; differences are listed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differences, parseSection, replaceSection, type MatrixRow } from './table.js';

const rows: MatrixRow[] = [
  { id: 'a-one', surface: 'S', attack: 'pipe | in it', expected: '403 X', observed: '403 X' },
  { id: 'a-two', surface: 'S', attack: '`#` and $SYS/#', expected: 'closed', observed: 'closed, logged' },
];

test('a section round-trips through the page and replaces only itself', () => {
  const page = replaceSection('# Title\n\nintro\n', 's', rows);
  assert.deepEqual(parseSection(page, 's'), rows);
  assert.equal(parseSection(page, 'other'), undefined);
  const again = replaceSection(`${page}\ntail\n`, 's', rows.slice(0, 1));
  assert.deepEqual(parseSection(again, 's'), rows.slice(0, 1));
  assert.match(again, /^# Title\n\nintro\n/);
  assert.match(again, /\ntail\n$/);
});

test('differences name missing, extra, changed and reordered rows', () => {
  const [one, two] = rows as [MatrixRow, MatrixRow];
  assert.deepEqual(differences(rows, rows), []);
  assert.deepEqual(differences([one], rows), ['a-two: tried but not in docs/security.md']);
  assert.deepEqual(differences(rows, [one]), ['a-two: in the page but not tried']);
  assert.deepEqual(differences(rows, [one, { ...two, observed: 'open' }]), [
    'a-two: observed is "closed, logged" in the page, "open" in the run',
  ]);
  assert.deepEqual(differences(rows, [two, one]), [
    'rows are in a different order than the suite tries them',
  ]);
});
