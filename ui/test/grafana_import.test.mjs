// Unit tests of lib/grafana_import.js: a realistic Grafana 10 node_exporter
// dashboard (fixtures/grafana-node-exporter.json) and the odd corners of
// older schemas. Run: node --test ui/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { importGrafana, flattenPanels, grafanaColor, slug, splitCustom } from '../src/lib/grafana_import.js';
import { validateDashboard } from '../src/lib/dashboard.js';

const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/grafana-node-exporter.json', import.meta.url), 'utf8'));
const { dashboard: d, notes } = importGrafana(fixture);
const panel = (title) => d.panels.find((p) => p.title === title);
const note = (re) => notes.find((n) => re.test(n));

test('the converted dashboard is valid Vigil format', () => {
  const v = validateDashboard(d);
  assert.deepEqual(v.errors, []);
});

test('header: uid, title, tags, description, time and refresh', () => {
  assert.equal(d.uid, 'rYdddlPWk');
  assert.equal(d.title, 'Node Exporter Basics');
  assert.deepEqual(d.tags, ['linux', 'node-exporter']);
  assert.match(d.description, /Node exporter basics/);
  assert.deepEqual(d.time, { range: '24h' });
  assert.equal(d.refresh, '1m');
});

test('rows are flattened in reading order, collapsed rows included', () => {
  assert.deepEqual(
    d.panels.map((p) => p.title),
    ['Uptime', 'CPU Busy', 'RAM Used', 'CPU Basic', 'Memory Basic', 'Network Traffic Basic', 'Hardware temperature', 'Filesystems used', 'About', 'Error logs'],
  );
  assert.ok(!d.panels.some((p) => p.type === 'row'));
});

test('unsupported panel types are listed in the notes, not dropped silently', () => {
  assert.ok(note(/"CPU time share" \(piechart\).*not supported/), notes.join('\n'));
  assert.ok(note(/"Disk IO heatmap" \(heatmap\).*not supported/), notes.join('\n'));
  assert.ok(!panel('CPU time share'));
});

test('panel types map: stat, gauge, bargauge -> gauge, timeseries, table, text, logs', () => {
  assert.equal(panel('Uptime').type, 'stat');
  assert.equal(panel('CPU Busy').type, 'gauge');
  assert.equal(panel('RAM Used').type, 'gauge');
  assert.ok(note(/"RAM Used" \(bargauge\): shown as a gauge/));
  assert.equal(panel('CPU Basic').type, 'timeseries');
  assert.equal(panel('Filesystems used').type, 'table');
  assert.equal(panel('About').type, 'text');
  assert.equal(panel('Error logs').type, 'logs');
});

test('gridPos: w out of 24 becomes width out of 12, h stays', () => {
  assert.deepEqual([panel('Uptime').width, panel('Uptime').height], [2, 4]);
  assert.deepEqual([panel('CPU Basic').width, panel('CPU Basic').height], [6, 7]);
  assert.deepEqual([panel('Filesystems used').width, panel('Filesystems used').height], [8, 6]);
  assert.equal(panel('Error logs').width, 12);
});

test('gridPos: columns kept, rows recomputed without the row headers, no overlaps', () => {
  const at = (title) => [panel(title).x, panel(title).y];
  assert.deepEqual(at('Uptime'), [0, 0]);
  assert.deepEqual(at('CPU Busy'), [2, 0]);
  assert.deepEqual(at('RAM Used'), [4, 0]);
  // The pie chart is not imported; its place stays empty, so Memory Basic
  // stays beside CPU Basic instead of rising into the hole.
  assert.deepEqual(at('CPU Basic'), [0, 4]);
  assert.deepEqual(at('Memory Basic'), [6, 4]);
  // The collapsed row's panels come next, then the open row's; the heatmap
  // (not imported either) was the page's width, so it leaves no gap.
  assert.deepEqual(at('Network Traffic Basic'), [0, 11]);
  assert.deepEqual(at('Hardware temperature'), [6, 11]);
  assert.deepEqual(at('Filesystems used'), [0, 18]);
  assert.deepEqual(at('About'), [8, 18]);
  assert.deepEqual(at('Error logs'), [0, 24]);
  const cells = new Set();
  for (const p of d.panels) {
    for (let c = p.x; c < p.x + p.width; c++) {
      for (let r = p.y; r < p.y + p.height; r++) {
        assert.ok(!cells.has(`${c},${r}`), `${p.title} overlaps at column ${c}, row ${r}`);
        cells.add(`${c},${r}`);
      }
    }
  }
});

test('targets: expr and legendFormat kept, __auto dropped, hidden targets skipped with a note', () => {
  assert.deepEqual(panel('Uptime').queries, [{ expr: 'node_time_seconds{instance="$node",job="$job"} - node_boot_time_seconds{instance="$node",job="$job"}' }]);
  const cpu = panel('CPU Basic');
  assert.deepEqual(cpu.queries.map((q) => q.legend), ['Busy System', 'Busy User']);
  assert.ok(note(/"CPU Basic".*query C is hidden/));
  assert.equal(panel('Network Traffic Basic').queries[1].legend, 'trans {{device}} ');
});

test('units map, and the ones without an equivalent are noted', () => {
  assert.equal(panel('Uptime').unit, 'seconds');
  assert.equal(panel('CPU Busy').unit, 'percent');
  assert.equal(panel('CPU Basic').unit, 'percentunit');
  assert.equal(panel('Memory Basic').unit, 'bytes');
  assert.equal(panel('Network Traffic Basic').unit, 'bits/s');
  assert.equal(panel('Hardware temperature').unit, undefined);
  assert.ok(note(/"Hardware temperature".*unit "celsius"/));
});

test('options: stacking, hidden legend, min/max, decimals, thresholds with Grafana colours', () => {
  assert.equal(panel('CPU Basic').stacked, true);
  assert.equal(panel('Memory Basic').stacked, undefined);
  assert.equal(panel('Memory Basic').legend, false);
  assert.equal(panel('CPU Busy').min, 0);
  assert.equal(panel('CPU Busy').max, 100);
  assert.equal(panel('Uptime').decimals, 1);
  assert.deepEqual(panel('Uptime').thresholds, [
    { value: null, color: 'green' },
    { value: 80, color: 'red' },
  ]);
  assert.deepEqual(panel('CPU Busy').thresholds.map((t) => t.color), ['#32ac2d', '#ed8128', '#f53636']);
  assert.deepEqual(panel('RAM Used').thresholds.map((t) => t.color), ['green', 'orange', 'red']);
  assert.ok(note(/"CPU Basic".*1 field override/));
  assert.ok(note(/"Filesystems used".*1 transformation/));
});

test('text and logs panels', () => {
  assert.match(panel('About').text, /^# About/);
  assert.equal(panel('Error logs').queries[0].expr, '{job="$job"} |= "error"');
});

test('variables: query (string and object), custom, interval, constant; datasource and adhoc noted', () => {
  const names = d.variables.map((v) => v.name);
  assert.deepEqual(names, ['job', 'node', 'quantile', 'window', 'cluster']);
  const [job, node, quantile, window, cluster] = d.variables;
  assert.deepEqual(job, { name: 'job', label: 'Job', type: 'query', query: 'label_values(node_uname_info, job)', default: 'node' });
  assert.deepEqual(node, {
    name: 'node',
    label: 'Host',
    type: 'query',
    query: 'label_values(node_uname_info{job="$job"}, instance)',
    multi: true,
    includeAll: true,
    default: 'All',
    regex: '/([^:]+):.*/',
  });
  assert.deepEqual(quantile.values, ['0.5', '0.9', '0.99']);
  assert.equal(quantile.default, '0.99');
  assert.deepEqual(window.values, ['auto', '1m', '5m', '10m', '1h']);
  assert.equal(window.default, '5m');
  assert.deepEqual(cluster, { name: 'cluster', type: 'constant', value: 'prod-eu' });
  assert.ok(note(/\$DS_PROMETHEUS: datasource variables are dropped/));
  assert.ok(note(/\$Filters: variable type "adhoc" is not supported/));
  assert.ok(note(/\$job: option sorting/));
});

test('a Loki datasource on a non-logs panel makes it a loki panel; Loki query variables too', () => {
  const g = {
    title: 'x',
    uid: 'x',
    templating: { list: [{ type: 'query', name: 'app', datasource: { type: 'loki', uid: 'abc' }, query: 'label_values(app)' }] },
    panels: [{ type: 'timeseries', title: 'rate', datasource: { type: 'loki', uid: 'abc' }, targets: [{ expr: 'sum(rate({app="a"}[1m]))', refId: 'A' }] }],
  };
  const r = importGrafana(g);
  assert.equal(r.dashboard.panels[0].datasource, 'loki');
  assert.equal(r.dashboard.variables[0].datasource, 'loki');
  assert.deepEqual(validateDashboard(r.dashboard).errors, []);
});

test('legacy graph and singlestat panels', () => {
  const g = {
    title: 'Old one',
    panels: [
      { type: 'graph', title: 'g', gridPos: { w: 24, h: 9 }, stack: true, yaxes: [{ format: 'Bps' }, { format: 'short' }], legend: { show: false }, targets: [{ expr: 'a', refId: 'A' }] },
      { type: 'singlestat', title: 's', format: 'ms', thresholds: '50,80', colors: ['#299c46', 'rgba(237, 129, 40, 0.89)', '#d44a3a'], targets: [{ expr: 'b', refId: 'A' }] },
      { type: 'singlestat', title: 'sg', gauge: { show: true, minValue: 0, maxValue: 10 }, targets: [{ expr: 'c', refId: 'A' }] },
    ],
  };
  const { dashboard: o } = importGrafana(g);
  assert.equal(o.uid, 'old-one');
  assert.deepEqual(o.panels[0], { title: 'g', type: 'timeseries', width: 12, height: 9, x: 0, y: 0, queries: [{ expr: 'a' }], unit: 'bytes/s', stacked: true, legend: false });
  assert.equal(o.panels[1].type, 'stat');
  assert.equal(o.panels[1].unit, 'ms');
  assert.deepEqual(o.panels[1].thresholds, [
    { value: null, color: '#299c46' },
    { value: 50, color: '#ed8128' },
    { value: 80, color: '#d44a3a' },
  ]);
  assert.deepEqual([o.panels[2].type, o.panels[2].min, o.panels[2].max], ['gauge', 0, 10]);
  assert.deepEqual(validateDashboard(o).errors, []);
});

test('pre-5.0 rows with spans', () => {
  const g = { title: 'Rows', rows: [{ height: '250px', panels: [{ type: 'graph', title: 'a', span: 6, targets: [{ expr: 'up' }] }] }] };
  const { dashboard: o } = importGrafana(g);
  assert.deepEqual([o.panels[0].width, o.panels[0].height], [6, 7]);
  const wide = importGrafana({
    title: 'Rows',
    rows: [
      { panels: [4, 4, 6].map((span, i) => ({ type: 'graph', title: `p${i}`, span, targets: [{ expr: 'up' }] })) },
      { panels: [{ type: 'graph', title: 'next', span: 3, targets: [{ expr: 'up' }] }] },
    ],
  }).dashboard;
  // Left to right, wrapping at 12; the next row starts below the lowest.
  assert.deepEqual(
    wide.panels.map((p) => [p.title, p.x, p.y]),
    [['p0', 0, 0], ['p1', 4, 0], ['p2', 0, 7], ['next', 0, 14]],
  );
});

test('a panel whose targets are not PromQL/LogQL is noted and left out', () => {
  const g = { title: 't', panels: [{ type: 'timeseries', title: 'testdata', targets: [{ refId: 'A', scenarioId: 'random_walk' }] }] };
  const r = importGrafana(g);
  assert.equal(r.dashboard.panels.length, 0);
  assert.ok(r.notes.some((n) => /no PromQL\/LogQL expression/.test(n)));
  assert.ok(r.notes.some((n) => /no query to run; not imported/.test(n)));
});

test('the API envelope {dashboard, meta} is unwrapped', () => {
  const r = importGrafana({ dashboard: fixture, meta: { slug: 'x' } });
  assert.equal(r.dashboard.panels.length, d.panels.length);
});

test('bad uids are replaced, absolute time ranges noted', () => {
  const r = importGrafana({ title: 'Über Dash!', uid: 'has space', time: { from: '2024-01-01T00:00:00Z', to: '2024-01-02T00:00:00Z' }, panels: [] });
  assert.equal(r.dashboard.uid, 'has-space');
  assert.equal(r.dashboard.time, undefined);
  assert.ok(r.notes.some((n) => /not a Vigil uid/.test(n)));
  assert.ok(r.notes.some((n) => /not a range back from now/.test(n)));
  assert.equal(slug('Über Dash!'), 'ber-dash');
});

test('not a dashboard', () => {
  assert.throws(() => importGrafana([]), /JSON object/);
  assert.throws(() => importGrafana({ title: 'x' }), /no "panels"/);
});

test('helpers: splitCustom, grafanaColor, flattenPanels', () => {
  assert.deepEqual(splitCustom('a,b\\,c, d '), ['a', 'b,c', 'd']);
  assert.deepEqual(splitCustom('one : 1,two : 2'), ['1', '2']);
  assert.equal(grafanaColor('super-light-blue'), 'blue');
  assert.equal(grafanaColor('#FADE2A'), '#FADE2A');
  assert.equal(grafanaColor('rgb(1, 2, 300)'), '#0102ff');
  assert.equal(grafanaColor('url(javascript:x)'), '');
  const flat = flattenPanels([
    { type: 'row', gridPos: { y: 5 }, collapsed: true, panels: [{ title: 'in', gridPos: { y: 6, x: 0 } }] },
    { title: 'b', gridPos: { y: 0, x: 12 } },
    { title: 'a', gridPos: { y: 0, x: 0 } },
  ]);
  assert.deepEqual(flat.map((p) => p.title), ['a', 'b', 'in']);
});
