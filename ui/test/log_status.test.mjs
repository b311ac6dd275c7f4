// Unit tests of lib/log_status.js: the last errors of
// /api/v1/status/logs joined into the Health page's log rows.
// Run: node --test ui/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusKey, withLastErrors } from '../src/lib/log_status.js';

const row = (key, kind, name) => ({ key, kind, name, state: 'idle', stats: [], rate: 0, errors: {} });

test('errors join the rows of the same component', () => {
  const rows = {
    sources: [row(statusKey('file', 'app'), 'File tail', 'app'), row(statusKey('push', 'loki'), 'Loki push', '/loki/api/v1/push')],
    sinks: [row(statusKey('forwarder', 'central'), 'Forwarder', 'central')],
    absent: [],
  };
  const status = {
    sources: [
      { kind: 'file', name: 'app', pipeline: 'default', lastError: '', lastErrorTime: '0001-01-01T00:00:00Z', errorCount: 0 },
      {
        kind: 'push',
        name: 'loki',
        pipeline: 'default',
        lastError: 'loki push: invalid JSON',
        lastErrorTime: '2026-12-02T10:00:00Z',
        errorCount: 3,
      },
    ],
    sinks: [{ kind: 'forwarder', name: 'central', lastError: 'HTTP 503', lastErrorTime: '2026-12-02T10:00:01Z', errorCount: 1 }],
  };
  const out = withLastErrors(rows, status);
  assert.equal(out.sources.length, 2);
  assert.equal(out.sources[0].lastError, '');
  assert.equal(out.sources[0].hasStatus, true);
  assert.equal(out.sources[1].lastError, 'loki push: invalid JSON');
  assert.equal(out.sources[1].errorCount, 3);
  assert.equal(out.sources[1].kind, 'Loki push', 'the row from /metrics keeps its own kind and name');
  assert.equal(out.sinks[0].lastError, 'HTTP 503');
  assert.equal(rows.sources[1].lastError, undefined, 'the input rows are not changed');
});

test('a recent error makes an idle or active row say errors; an old one does not', () => {
  const now = Date.parse('2026-12-02T10:00:30Z') / 1000;
  const rows = {
    sources: [row(statusKey('push', 'loki'), 'Loki push', 'a'), row(statusKey('file', 'app'), 'File tail', 'b')],
    sinks: [{ ...row(statusKey('forwarder', 'f'), 'Forwarder', 'f'), state: 'up' }],
  };
  const at = (t) => ({ lastError: 'boom', lastErrorTime: t, errorCount: 1 });
  const out = withLastErrors(
    rows,
    {
      sources: [
        { kind: 'push', name: 'loki', ...at('2026-12-02T10:00:25.5Z') },
        { kind: 'file', name: 'app', ...at('2026-12-02T09:59:00Z') },
      ],
      sinks: [{ kind: 'forwarder', name: 'f', ...at('2026-12-02T10:00:29Z') }],
    },
    now,
  );
  assert.equal(out.sources[0].state, 'errors');
  assert.equal(out.sources[1].state, 'idle');
  assert.equal(out.sinks[0].state, 'up', 'a forwarder reports its own state');
});

test('a cloud target joins by source and target', () => {
  const rows = { sources: [row(statusKey('cloud', 'aws', 'us-east-1/app'), 'Cloud logs', 'aws · us-east-1/app')], sinks: [] };
  const status = {
    sources: [
      { kind: 'cloud', name: 'aws', target: 'us-east-1/app', health: 'down', lastError: 'HTTP 403', errorCount: 1 },
      { kind: 'cloud', name: 'aws', target: 'us-east-1/other', health: 'unknown', lastError: '', errorCount: 0 },
    ],
    sinks: [],
  };
  const out = withLastErrors(rows, status);
  assert.equal(out.sources[0].lastError, 'HTTP 403');
  // A target with no series yet gets a row of its own.
  assert.equal(out.sources.length, 2);
  assert.equal(out.sources[1].name, 'aws · us-east-1/other');
  assert.equal(out.sources[1].kind, 'Cloud logs');
  assert.equal(out.sources[1].state, 'unknown');
});

test('a component with an error and no series shows as errors', () => {
  const out = withLastErrors(
    { sources: [], sinks: [], absent: ['syslog', 'forwarders'] },
    { sources: [{ kind: 'syslog', name: 'edge', lastError: 'bind: address in use', errorCount: 1 }], sinks: [] },
  );
  assert.equal(out.sources[0].state, 'errors');
  assert.equal(out.sources[0].kind, 'Syslog');
  assert.deepEqual(out.absent, ['forwarders'], 'syslog is configured after all');
});

test('no status (not fetched yet, or failed) leaves the rows as they are', () => {
  const rows = { sources: [row('k', 'File tail', 'a')], sinks: [] };
  assert.equal(withLastErrors(rows, null), rows);
});
