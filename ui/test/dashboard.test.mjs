// Unit tests of lib/dashboard.js (validation, time values, variable
// substitution and queries, units, text panels) and of the shipped
// dashboards in ui/dashboards/. Run: node --test ui/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  ALL,
  applyRegex,
  builtins,
  chooseCurrent,
  formatUnit,
  interpolate,
  interpolateText,
  parseDashboard,
  parseInline,
  parseMarkdown,
  parseVariableQuery,
  regexEscape,
  safeHref,
  thresholdColor,
  timeContext,
  validateDashboard,
  variableRequest,
  variableValues,
  wantedFromParams,
} from '../src/lib/dashboard.js';

const NOW = 1700000000;

test('validate: defaults are filled in', () => {
  const { errors, dashboard } = validateDashboard({ title: 't', panels: [{ queries: [{ expr: 'up' }] }, { type: 'stat', queries: [{ expr: 'up' }] }] });
  assert.deepEqual(errors, []);
  assert.deepEqual(dashboard.variables, []);
  const [a, b] = dashboard.panels;
  assert.deepEqual([a.type, a.width, a.height, a.unit, a.datasource], ['timeseries', 6, 8, 'short', 'prometheus']);
  assert.deepEqual([b.width, b.height], [6, 4]);
});

test('validate: errors name the place', () => {
  const { errors, dashboard } = validateDashboard({
    uid: 'bad uid',
    refresh: 'often',
    variables: [{ name: '1x', query: 'label_values(up, job)' }, { name: 'a', query: 'nope(x)' }, { name: 'a', type: 'custom', values: [] }],
    panels: [
      { type: 'pie', queries: [{ expr: 'up' }] },
      { width: 13, queries: [] },
      { type: 'text' },
      { queries: [{ expr: 'up' }], unit: 'furlongs', thresholds: [{ value: 'x', color: 'red' }] },
      { queries: [{ expr: 'up' }], width: 6, x: 7, y: -1 },
      { queries: [{ expr: 'up' }], width: 6, x: 6, y: 3 },
    ],
  });
  assert.equal(dashboard, null);
  const want = [
    /^title: /,
    /^uid: /,
    /^refresh: /,
    /^variables\[0\]\.name: /,
    /^variables\[1\]\.query: use label_values/,
    /^variables\[2\]\.name: "a" is defined twice/,
    /^variables\[2\]\.values: /,
    /^panels\[0\]\.type: /,
    /^panels\[1\]\.width: /,
    /^panels\[1\]\.queries: /,
    /^panels\[2\]\.text: /,
    /^panels\[3\]\.unit: /,
    /^panels\[3\]\.thresholds\[0\]: /,
    /^panels\[4\]\.x: an integer from 0 to 6 \(12 - width\)/,
    /^panels\[4\]\.y: /,
  ];
  for (const re of want) assert.ok(errors.some((e) => re.test(e)), `${re} in\n${errors.join('\n')}`);
  assert.equal(errors.length, want.length, errors.join('\n'));
});

test('parseDashboard reports JSON syntax errors', () => {
  assert.match(parseDashboard('{"title": ').errors[0], /^not valid JSON: /);
  assert.deepEqual(parseDashboard('[]').errors, ['a dashboard is a JSON object']);
});

test('time values: step, $__interval, $__range, $__rate_interval = max(4 step, 1m)', () => {
  const c = timeContext('1h', 'now', NOW);
  assert.deepEqual([c.start, c.end, c.step, c.rateInterval], [NOW - 3600, NOW, 15, 60]);
  assert.deepEqual(builtins(c), {
    __interval: '15s',
    __interval_ms: '15000',
    __rate_interval: '1m',
    __range: '3600s',
    __range_s: '3600',
    __range_ms: '3600000',
  });
  const day = timeContext('1d', 'now-1h', NOW);
  assert.equal(day.end, NOW - 3600);
  assert.equal(day.step, 600);
  assert.equal(builtins(day).__rate_interval, '40m');
  assert.equal(timeContext('5m', '', NOW).rateInterval, 60);
  assert.throws(() => timeContext('soon', '', NOW), /range/);
  assert.throws(() => timeContext('1h', 'yesterday', NOW), /end/);
});

const opts = (...xs) => xs.map((x) => ({ text: x, value: x }));
const vars = [
  { name: 'job', type: 'query', options: opts('node', 'vigil'), current: ['node'] },
  { name: 'inst', type: 'query', multi: true, includeAll: true, options: opts('a.b:9100', 'c|d'), current: ['a.b:9100', 'c|d'] },
  { name: 'all', type: 'query', multi: true, includeAll: true, options: opts('x', 'y.z'), current: [ALL] },
  { name: 'star', type: 'query', includeAll: true, allValue: '.*', options: opts('x'), current: [ALL] },
  { name: 'one', type: 'query', multi: true, options: opts('a.b'), current: ['a.b'] },
  { name: 'q', type: 'textbox', options: opts('say "hi" \\o/'), current: ['say "hi" \\o/'] },
  { name: 'win', type: 'interval', values: ['auto', '5m'], options: opts('auto', '5m'), current: ['auto'] },
];

test('substitution: the three syntaxes, unknown names untouched', () => {
  assert.equal(interpolate('up{job="$job"} ${job} [[job]] $jobs $1 ${nope}', vars), 'up{job="node"} node node $jobs $1 ${nope}');
  assert.equal(interpolate('rate(x[$__rate_interval]) $__interval', vars, timeContext('1h', '', NOW)), 'rate(x[1m]) 15s');
});

test('substitution: multi values are an escaped regex alternation', () => {
  // Inside the PromQL string a\.b is written a\\.b.
  assert.equal(interpolate('{instance=~"$inst"}', vars), '{instance=~"(a\\\\.b:9100|c\\\\|d)"}');
  assert.equal(interpolate('$one', vars), 'a\\\\.b');
  assert.equal(regexEscape('a.b*(c)[d]{e}|^$+?\\'), 'a\\.b\\*\\(c\\)\\[d\\]\\{e\\}\\|\\^\\$\\+\\?\\\\');
});

test('substitution: All is every option, or allValue as it is', () => {
  assert.equal(interpolate('$all', vars), '(x|y\\\\.z)');
  assert.equal(interpolate('$star', vars), '.*');
  assert.equal(interpolate('${star:raw}', vars), '.*');
});

test('substitution: single values keep quotes from ending the string; formats', () => {
  assert.equal(interpolate('{msg="$q"}', vars), '{msg="say \\"hi\\" \\\\o/"}');
  assert.equal(interpolate('${inst:csv} ${inst:pipe} ${inst:json} ${inst:raw}', vars), 'a.b:9100,c|d a.b:9100|c|d ["a.b:9100","c|d"] a.b:9100,c|d');
  assert.equal(interpolate('${job:regex}', vars), 'node');
  assert.equal(interpolate('[$win]', vars, timeContext('6h', '', NOW)), '[15m]');
});

test('interpolateText: what titles show', () => {
  assert.equal(interpolateText('CPU of $inst on $job ($all)', vars), 'CPU of a.b:9100 + c|d on node (All)');
});

test('variable queries parse', () => {
  assert.deepEqual(parseVariableQuery('label_values(job)'), { kind: 'label_values', label: 'job', match: '' });
  assert.deepEqual(parseVariableQuery('label_values(up{job=~"a|b", x="1,2)"}, instance)'), {
    kind: 'label_values',
    label: 'instance',
    match: 'up{job=~"a|b", x="1,2)"}',
  });
  assert.deepEqual(parseVariableQuery(' label_names() '), { kind: 'label_names', match: '' });
  assert.deepEqual(parseVariableQuery('metrics(node_.*)'), { kind: 'metrics', regex: 'node_.*' });
  assert.deepEqual(parseVariableQuery('query_result(topk(3, sum by (job) (up)))'), { kind: 'query_result', expr: 'topk(3, sum by (job) (up))' });
  assert.match(parseVariableQuery('up').error, /use label_values/);
  assert.match(parseVariableQuery('label_values(a, b, c)').error, /label_values takes/);
  assert.match(parseVariableQuery('query_result()').error, /needs an expression/);
});

test('variable requests: Prometheus and Loki endpoints with the window', () => {
  const ctx = timeContext('1h', '', NOW);
  assert.deepEqual(variableRequest(parseVariableQuery('label_values(up{job="x"}, instance)'), ctx), {
    path: '/api/v1/label/instance/values',
    params: { start: NOW - 3600, end: NOW, 'match[]': 'up{job="x"}' },
  });
  assert.deepEqual(variableRequest(parseVariableQuery('query_result(up)'), ctx), { path: '/api/v1/query', params: { query: 'up', time: NOW } });
  assert.deepEqual(variableRequest(parseVariableQuery('label_values({app="a"}, level)'), ctx, 'loki'), {
    path: '/loki/api/v1/label/level/values',
    params: { start: `${NOW - 3600}.000`, end: `${NOW}.000`, query: '{app="a"}' },
  });
  assert.throws(() => variableRequest(parseVariableQuery('metrics(x)'), ctx, 'loki'), /Prometheus variable query/);
});

test('variable values: query_result text as Grafana prints it, metrics filtered, regex capture', () => {
  const data = {
    resultType: 'vector',
    result: [
      { metric: { __name__: 'up', instance: 'h1:9100', job: 'node' }, value: [NOW, '1'] },
      { metric: { __name__: 'up', instance: 'h2:9100', job: 'node' }, value: [NOW, '0'] },
    ],
  };
  const texts = variableValues({ kind: 'query_result' }, data);
  assert.deepEqual(texts, [`up{instance="h1:9100",job="node"} 1 ${NOW * 1000}`, `up{instance="h2:9100",job="node"} 0 ${NOW * 1000}`]);
  assert.deepEqual(applyRegex(texts, '/instance="([^":]+)/'), opts('h1', 'h2'));
  assert.deepEqual(variableValues({ kind: 'metrics', regex: '^node_' }, ['node_a', 'up', 'node_b']), ['node_a', 'node_b']);
  assert.deepEqual(applyRegex(['a:1', 'b:2', 'a:3'], '/(?<text>[a-z]):(?<value>\\d)/'), [
    { text: 'a', value: '1' },
    { text: 'b', value: '2' },
    { text: 'a', value: '3' },
  ]);
  assert.deepEqual(applyRegex(['h1:1', 'h1:2', 'x'], '/([^:]+):.*/'), opts('h1'));
  assert.throws(() => applyRegex(['a'], '/(/'), /not a valid regex/);
});

test('current values: the URL when valid, else default, else All or the first', () => {
  const o = opts('a', 'b', 'c');
  const single = { name: 's', type: 'query' };
  const multi = { name: 'm', type: 'query', multi: true, includeAll: true };
  assert.deepEqual(chooseCurrent(single, o, ['b']), ['b']);
  assert.deepEqual(chooseCurrent(single, o, ['gone']), ['a']);
  assert.deepEqual(chooseCurrent(single, o, ['a', 'b']), ['a']);
  assert.deepEqual(chooseCurrent({ ...single, default: 'c' }, o, undefined), ['c']);
  assert.deepEqual(chooseCurrent(multi, o, undefined), [ALL]);
  assert.deepEqual(chooseCurrent(multi, o, ['a', 'gone', 'c']), ['a', 'c']);
  assert.deepEqual(chooseCurrent(multi, o, ['All']), [ALL]);
  assert.deepEqual(chooseCurrent({ ...multi, default: ['b', 'c'] }, o, []), ['b', 'c']);
  assert.deepEqual(chooseCurrent(single, [], undefined), []);
  assert.deepEqual(chooseCurrent({ name: 't', type: 'textbox', value: 'x' }, [], ['typed']), ['typed']);
  assert.deepEqual(chooseCurrent({ name: 'k', type: 'constant', value: 'x' }, [], ['other']), ['x']);
  assert.deepEqual(wantedFromParams(new URLSearchParams('range=1h&var-a=1&var-a=2&var-b=x')), { a: ['1', '2'], b: ['x'] });
});

test('units', () => {
  assert.equal(formatUnit(1536, 'bytes'), '1.5 KiB');
  assert.equal(formatUnit(3 * 1024 ** 3, 'bytes/s'), '3 GiB/s');
  assert.equal(formatUnit(0.25, 'seconds'), '250 ms');
  assert.equal(formatUnit(5400, 'seconds'), '90 min');
  assert.equal(formatUnit(250, 'ms'), '250 ms');
  assert.equal(formatUnit(42.123, 'percent', 1), '42.1%');
  assert.equal(formatUnit(0.5, 'percentunit'), '50%');
  assert.equal(formatUnit(12345, 'short'), '12.3k');
  assert.equal(formatUnit(3.5, 'ops/s'), '3.5/s');
  assert.equal(formatUnit(0.00281, 'short', 4), '0.0028');
  assert.equal(formatUnit(NaN, 'short'), '—');
});

test('thresholds: the highest one reached', () => {
  const t = [
    { value: null, color: 'green' },
    { value: 70, color: 'orange' },
    { value: 90, color: 'red' },
  ];
  assert.equal(thresholdColor(10, t), 'green');
  assert.equal(thresholdColor(70, t), 'orange');
  assert.equal(thresholdColor(99, t), 'red');
  assert.equal(thresholdColor(5, [{ value: 10, color: 'red' }]), '');
});

test('markdown-ish: blocks and inline runs, HTML stays text, no javascript: links', () => {
  const b = parseMarkdown('# Title\n\nSome *em* and **bold** with `code`.\n\n- one\n- two [site](https://x.io)\n\n```\n<b>raw</b>\n```\n<script>alert(1)</script>');
  assert.deepEqual(
    b.map((x) => x.type),
    ['h', 'p', 'ul', 'pre', 'p'],
  );
  assert.deepEqual(b[1].inline, [
    { type: 'text', text: 'Some ' },
    { type: 'i', text: 'em' },
    { type: 'text', text: ' and ' },
    { type: 'b', text: 'bold' },
    { type: 'text', text: ' with ' },
    { type: 'code', text: 'code' },
    { type: 'text', text: '.' },
  ]);
  assert.deepEqual(b[2].items[1][1], { type: 'a', text: 'site', href: 'https://x.io' });
  assert.equal(b[3].text, '<b>raw</b>');
  assert.deepEqual(b[4].inline, [{ type: 'text', text: '<script>alert(1)</script>' }]);
  assert.deepEqual(parseInline('[x](javascript:alert(1))'), [{ type: 'text', text: '[x](javascript:alert(1)' }, { type: 'text', text: ')' }]);
  assert.equal(safeHref('JAVASCRIPT:alert(1)'), '');
  assert.equal(safeHref('//evil.example/x'), '');
  assert.equal(safeHref('/ui/query?q=up'), '/ui/query?q=up');
});

// ---- the shipped dashboards ----

const dir = new URL('../dashboards/', import.meta.url);
const shipped = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, d: JSON.parse(fs.readFileSync(new URL(f, dir), 'utf8')) }));

test('the six shipped dashboards exist', () => {
  assert.deepEqual(shipped.map((s) => s.d.uid).sort(), ['aws', 'azure', 'gcp', 'host-overview', 'logs-overview', 'vigil']);
});

for (const { file, d } of shipped) {
  test(`shipped ${file}: valid, uid = file name, every $variable defined`, () => {
    const v = validateDashboard(d);
    assert.deepEqual(v.errors, []);
    assert.equal(`${d.uid}.json`, file);
    const defined = new Set((d.variables || []).map((x) => x.name));
    const known = new Set(Object.keys(builtins(timeContext('1h', '', NOW))));
    const texts = [...(d.variables || []).map((x) => x.query || ''), ...d.panels.flatMap((p) => [p.title, ...(p.queries || []).map((q) => q.expr)])];
    for (const t of texts) {
      for (const m of t.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
        assert.ok(defined.has(m[1]) || known.has(m[1]), `${file}: $${m[1]} in ${JSON.stringify(t)} is not defined`);
      }
    }
    for (const p of v.dashboard.panels) assert.ok(p.title, `${file}: every panel has a title`);
  });
}
