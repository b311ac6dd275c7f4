// Unit tests of lib/format.js: numbers and bytes as the UI prints them
// (the same rules as the C++ plot::FormatValue of chart images).
// Run: node --test ui/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatNumber } from '../src/lib/format.js';

test('bytes under 1 KiB keep three significant digits', () => {
  assert.equal(formatBytes(670.98849333), '671 B');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1000), '1000 B');
  assert.equal(formatBytes(0.25), '0.25 B');
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(-12.345), '-12.3 B');
  assert.equal(formatBytes(0.0001), '1.00e-4 B');
});

test('larger sizes go up in steps of 1024', () => {
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  assert.equal(formatBytes(null), '—');
});

test('numbers take a suffix from 1000 up', () => {
  assert.equal(formatNumber(1234567), '1.23M');
  assert.equal(formatNumber(999), '999');
  assert.equal(formatNumber(0.5), '0.5');
});
