// Unit tests of the logs explorer's paging (lib/logfields.js): the window of
// the next page and the lines it adds. Run: node --test ui/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextPageWindow, unseenEntries } from '../src/lib/logfields.js';

const e = (ns, line, labels = { job: 'a' }) => ({ ns, line, labels });

test('newest first: the next page ends at the oldest line shown', () => {
  const shown = [e('3000', 'c'), e('2000', 'b')];
  assert.deepEqual(nextPageWindow(shown, 'backward', '1000', '9000'), { start: '1000', end: '2001' });
  assert.deepEqual(nextPageWindow(shown, 'backward', '1000', '9000', false), { start: '1000', end: '2000' });
});

test('oldest first: the next page starts at the newest line shown', () => {
  const shown = [e('2000', 'b'), e('3000', 'c')];
  assert.deepEqual(nextPageWindow(shown, 'forward', '1000', '9000'), { start: '3000', end: '9000' });
  assert.deepEqual(nextPageWindow(shown, 'forward', '1000', '9000', false), { start: '3001', end: '9000' });
});

test('nanosecond timestamps past 2^53 keep every digit', () => {
  const shown = [e('1764672000123456789', 'x')];
  assert.equal(nextPageWindow(shown, 'backward', '0', '1').end, '1764672000123456790');
});

test('lines already shown are dropped; same time, other line or stream kept', () => {
  const shown = [e('2000', 'b')];
  const page = [e('2000', 'b'), e('2000', 'b2'), e('2000', 'b', { job: 'other' }), e('1000', 'a')];
  assert.deepEqual(
    unseenEntries(shown, page).map((x) => [x.line, x.labels.job]),
    [
      ['b2', 'a'],
      ['b', 'other'],
      ['a', 'a'],
    ],
  );
});
