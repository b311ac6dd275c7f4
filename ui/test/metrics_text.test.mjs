// Unit tests of lib/metrics_text.js: the text exposition format parser and
// the counter helpers the pipeline view computes rates with.
// Run: node --test ui/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterIncrease, isCumulative, labelsMatch, parseMetricsText, seriesKey } from '../src/lib/metrics_text.js';

test('counters, gauges and histograms land in their families', () => {
  const { families, errors } = parseMetricsText(
    [
      '# HELP req_total Requests, by code.',
      '# TYPE req_total counter',
      'req_total{code="200"} 10',
      'req_total{code="500"} 2 1700000000000',
      '# TYPE up gauge',
      'up 1',
      '# TYPE lat_seconds histogram',
      'lat_seconds_bucket{le="0.1"} 3',
      'lat_seconds_bucket{le="+Inf"} 4',
      'lat_seconds_sum 0.75',
      'lat_seconds_count 4',
      '# TYPE om counter',
      'om_total 7',
      '# EOF',
    ].join('\n'),
  );
  assert.deepEqual(errors, []);
  const req = families.get('req_total');
  assert.equal(req.type, 'counter');
  assert.equal(req.help, 'Requests, by code.');
  assert.deepEqual(
    req.samples.map((s) => [s.labels.code, s.value, s.timestamp]),
    [
      ['200', 10, null],
      ['500', 2, 1700000000000],
    ],
  );
  const h = families.get('lat_seconds');
  assert.equal(h.type, 'histogram');
  assert.deepEqual(
    h.samples.map((s) => s.name),
    ['lat_seconds_bucket', 'lat_seconds_bucket', 'lat_seconds_sum', 'lat_seconds_count'],
  );
  assert.equal(h.samples[1].labels.le, '+Inf');
  assert.ok(isCumulative(h, 'lat_seconds_count'));
  assert.ok(!isCumulative(families.get('up'), 'up'));
  // OpenMetrics names the counter family without _total.
  assert.equal(families.get('om').samples[0].name, 'om_total');
  assert.equal(families.has('om_total'), false);
});

test('label values unescape \\\\, \\" and \\n, and keep commas and braces', () => {
  const { families } = parseMetricsText('m{a="x\\"y\\\\z\\nw",b="1,2}3", c = "sp" ,} 1\n# HELP m two\\nlines \\\\ here\n');
  const s = families.get('m').samples[0];
  assert.deepEqual(s.labels, { a: 'x"y\\z\nw', b: '1,2}3', c: 'sp' });
  assert.equal(families.get('m').help, 'two\nlines \\ here');
});

test('special values and quoted UTF-8 names', () => {
  const { families } = parseMetricsText('a +Inf\nb -Inf\nc NaN\nd 1.5e3\n{"my.metric","la.bel"="v"} 2\n');
  assert.equal(families.get('a').samples[0].value, Infinity);
  assert.equal(families.get('b').samples[0].value, -Infinity);
  assert.ok(Number.isNaN(families.get('c').samples[0].value));
  assert.equal(families.get('d').samples[0].value, 1500);
  assert.deepEqual(families.get('my.metric').samples[0].labels, { 'la.bel': 'v' });
});

test('bad lines are skipped and reported with their line numbers', () => {
  const { families, errors } = parseMetricsText('ok 1\nbad{x=1} 2\nworse 12abc\nnovalue\nunterminated{a="x} 1\nok2 3\n');
  assert.deepEqual([...families.keys()], ['ok', 'ok2']);
  assert.deepEqual(
    errors.map((e) => e.line),
    [2, 3, 4, 5],
  );
});

test('counter increases read a smaller value as a reset', () => {
  assert.equal(counterIncrease(5, 9), 4);
  assert.equal(counterIncrease(9, 3), 3);
  assert.equal(counterIncrease(undefined, 2), 2);
  assert.equal(counterIncrease(1, NaN), 0);
});

test('matchers and series keys', () => {
  assert.ok(labelsMatch({ a: 'x', b: 'y' }, { a: 'x', b: /y|z/ }));
  assert.ok(!labelsMatch({ a: 'xy' }, { a: /x/ }), 'regexes match the whole value, as PromQL does');
  assert.ok(labelsMatch({ a: 'x' }, { a: ['x', 'q'], missing: '' }));
  assert.ok(labelsMatch({ s: 'fwd' }, { s: (v) => v !== 'store' }));
  assert.equal(seriesKey('m', { b: '2', a: '1' }), seriesKey('m', { a: '1', b: '2' }));
});
