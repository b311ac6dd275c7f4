// Converts a Grafana dashboard (its JSON model, as "Export" or the
// dashboards API gives it; Grafana 7 to 11 schemas) into Vigil's dashboard
// format (lib/dashboard.js). Pure functions: node:test covers them.
//
// What Vigil's format cannot say is never dropped silently: every panel
// type, variable, unit or option that does not come across is listed in the
// notes, which the import screen shows before anything is saved.

import { UID_RE } from './dashboard.js';

// Grafana panel type -> Vigil panel type.
const PANEL_TYPES = {
  timeseries: 'timeseries',
  graph: 'timeseries',
  stat: 'stat',
  singlestat: 'stat',
  gauge: 'gauge',
  bargauge: 'gauge',
  table: 'table',
  'table-old': 'table',
  text: 'text',
  logs: 'logs',
};

// Grafana unit id -> Vigil unit, for the ones that mean the same thing.
const UNITS = {
  '': 'short',
  none: 'short',
  short: 'short',
  bytes: 'bytes',
  decbytes: 'bytes',
  Bps: 'bytes/s',
  binBps: 'bytes/s',
  decBps: 'bytes/s',
  bps: 'bits/s',
  binbps: 'bits/s',
  decbps: 'bits/s',
  s: 'seconds',
  dtdurations: 'seconds',
  ms: 'ms',
  dtdurationms: 'ms',
  percent: 'percent',
  percentunit: 'percentunit',
  reqps: 'ops/s',
  rps: 'ops/s',
  ops: 'ops/s',
  iops: 'ops/s',
  wps: 'ops/s',
  cps: 'ops/s',
  pps: 'ops/s',
};

// Converts a Grafana dashboard model. Returns {dashboard, notes}: notes are
// strings telling what was changed or left out.
export function importGrafana(input) {
  const notes = [];
  let g = input;
  // The dashboards API wraps the model as {dashboard, meta}.
  if (g && g.dashboard && typeof g.dashboard === 'object' && !Array.isArray(g.panels)) g = g.dashboard;
  if (!g || typeof g !== 'object' || Array.isArray(g)) throw new Error('a Grafana dashboard is a JSON object');
  if (!Array.isArray(g.panels)) {
    if (Array.isArray(g.rows)) return importLegacyRows(g, notes);
    throw new Error('not a Grafana dashboard: there is no "panels" list');
  }
  const ctx = datasourceContext(g);
  const out = header(g, notes);
  out.variables = importVariables(g, ctx, notes);
  out.panels = [];
  out.panels = placePanels(flattenPanels(g.panels).map((p) => [p, importPanel(p, ctx, notes)]));
  return { dashboard: out, notes };
}

// A Grafana gridPos (24 columns) as a box of Vigil's 12-column grid.
function gridBox(gridPos) {
  const gp = gridPos && typeof gridPos === 'object' ? gridPos : {};
  const width = clamp(Math.round((Number(gp.w) || 12) / 2), 1, 12);
  const height = clamp(Math.round(Number(gp.h) || 8), 1, 60);
  return { x: clamp(Math.round((Number(gp.x) || 0) / 2), 0, 12 - width), width, height };
}

// [[grafana panel, imported panel or null]] in reading order -> the imported
// panels, each given its row y as Grafana's grid does: a panel goes up as far
// as the panels above it in its columns allow. Rows are recomputed, not
// copied, because rows are gone (their header row, and a collapsed row's
// panels, whose y are from when it was open) and widths were rounded from
// 24ths to 12ths. A panel that was not imported keeps its place empty, so
// the ones beside and below it stay where their author put them; unless it
// was as wide as the page, when there is nothing beside it to keep in line.
export function placePanels(pairs) {
  const top = new Array(12).fill(0);
  const out = [];
  for (const [g, v] of pairs) {
    const box = v || gridBox(g.gridPos);
    if (!v && box.width === 12) continue;
    const y = Math.max(...top.slice(box.x, box.x + box.width));
    for (let c = box.x; c < box.x + box.width; c++) top[c] = y + box.height;
    if (v) out.push({ ...v, y });
  }
  return out;
}

// Grafana before 5.0 kept panels inside "rows" with a span out of 12.
function importLegacyRows(g, notes) {
  const ctx = datasourceContext(g);
  const out = header(g, notes);
  out.variables = importVariables(g, ctx, notes);
  const pairs = [];
  for (const row of g.rows) {
    // A row's panels sit left to right, wrapping at its 12 spans.
    let x = 0;
    const height = Math.max(1, Math.round((parseInt(row.height, 10) || 250) / 38));
    for (const p of row.panels || []) {
      const w = clamp(Math.round(p.span || 12), 1, 12);
      if (x + w > 12) x = 0;
      const placed = { ...p, gridPos: { x: x * 2, w: w * 2, h: height } };
      x += w;
      pairs.push([placed, importPanel(placed, ctx, notes)]);
    }
  }
  out.panels = placePanels(pairs);
  return { dashboard: out, notes };
}

function header(g, notes) {
  const title = typeof g.title === 'string' && g.title.trim() ? g.title.trim() : 'Imported dashboard';
  let uid = typeof g.uid === 'string' ? g.uid : '';
  if (!UID_RE.test(uid)) {
    const made = slug(uid || title);
    if (uid) notes.push(`uid ${JSON.stringify(uid)} is not a Vigil uid (letters, digits, '_', '-'); using ${JSON.stringify(made)}`);
    uid = made;
  }
  const out = { uid, title };
  if (Array.isArray(g.tags) && g.tags.length) out.tags = g.tags.filter((t) => typeof t === 'string');
  if (typeof g.description === 'string' && g.description) out.description = g.description;
  const from = g.time && g.time.from;
  const to = g.time && g.time.to;
  const rel = typeof from === 'string' ? /^now-(\d+[smhdwy])$/.exec(from) : null;
  if (rel && (to === undefined || to === 'now')) out.time = { range: rel[1] };
  else if (from !== undefined) notes.push(`time range ${JSON.stringify(from)} to ${JSON.stringify(to)} is not a range back from now; using 1h`);
  if (typeof g.refresh === 'string' && /^\d+[smhd]$/.test(g.refresh)) out.refresh = g.refresh;
  if (Array.isArray(g.annotations && g.annotations.list)) {
    const own = g.annotations.list.filter((a) => !a.builtIn && a.enable !== false);
    if (own.length) notes.push(`${own.length} annotation ${own.length === 1 ? 'query' : 'queries'} not imported (annotations are not supported)`);
  }
  if (Array.isArray(g.links) && g.links.length) notes.push(`${g.links.length} dashboard link(s) not imported`);
  return out;
}

export function slug(s) {
  const x = String(s)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return x || 'imported';
}

// Rows go, their panels stay in reading order: an open row's panels follow it
// at the top level, a collapsed row carries its own in "panels".
export function flattenPanels(panels) {
  const pos = (p) => [(p.gridPos && p.gridPos.y) || 0, (p.gridPos && p.gridPos.x) || 0];
  const byPos = (a, b) => {
    const [ay, ax] = pos(a);
    const [by, bx] = pos(b);
    return ay - by || ax - bx;
  };
  const out = [];
  for (const p of [...panels].sort(byPos)) {
    if (p && p.type === 'row') {
      if (Array.isArray(p.panels)) out.push(...[...p.panels].sort(byPos));
    } else if (p) out.push(p);
  }
  return out;
}

// Which datasources are Loki: named by type, by a datasource variable's
// plugin, or by the __inputs of an exported dashboard.
function datasourceContext(g) {
  const lokiVars = new Set();
  const lokiInputs = new Set();
  for (const v of (g.templating && g.templating.list) || []) {
    if (v && v.type === 'datasource' && v.query === 'loki') lokiVars.add(v.name);
  }
  for (const i of g.__inputs || []) {
    if (i && i.type === 'datasource' && i.pluginId === 'loki') lokiInputs.add(i.name);
  }
  const isLoki = (ds) => {
    if (!ds) return false;
    if (typeof ds === 'string') {
      const m = /^\$\{?([A-Za-z0-9_]+)\}?$/.exec(ds);
      return m ? lokiVars.has(m[1]) || lokiInputs.has(m[1]) : /loki/i.test(ds);
    }
    if (ds.type) return ds.type === 'loki';
    return typeof ds.uid === 'string' && isLoki(ds.uid);
  };
  return { isLoki };
}

function panelName(p) {
  return `panel ${JSON.stringify(p.title || '(untitled)')} (${p.type || 'no type'})`;
}

function importPanel(p, ctx, notes) {
  const name = panelName(p);
  const type = PANEL_TYPES[p.type];
  if (!type) {
    notes.push(`${name}: panel type ${JSON.stringify(p.type)} is not supported; not imported`);
    return null;
  }
  const { x, width, height } = gridBox(p.gridPos);
  const out = { title: typeof p.title === 'string' ? p.title : '', type, width, height, x };
  if (typeof p.description === 'string' && p.description) out.description = p.description;
  if (p.type === 'bargauge') notes.push(`${name}: shown as a gauge`);
  if (p.repeat) notes.push(`${name}: repeating by $${p.repeat} is not supported; one panel shows every value`);
  if (Array.isArray(p.transformations) && p.transformations.length) {
    notes.push(`${name}: ${p.transformations.length} transformation(s) not applied`);
  }

  if (type === 'text') {
    const opts = p.options || {};
    out.text = typeof opts.content === 'string' ? opts.content : typeof p.content === 'string' ? p.content : '';
    const mode = opts.mode || p.mode;
    if (mode === 'html') notes.push(`${name}: HTML content is shown as text, not rendered`);
    return out;
  }

  const loki = type === 'logs' || ctx.isLoki(p.datasource) || (p.targets || []).some((t) => t && ctx.isLoki(t.datasource));
  if (loki && type !== 'logs') out.datasource = 'loki';
  out.queries = [];
  for (const t of p.targets || []) {
    if (!t) continue;
    const ref = t.refId ? `query ${t.refId}` : 'a query';
    if (t.hide) {
      notes.push(`${name}: ${ref} is hidden in Grafana; not imported`);
      continue;
    }
    if (typeof t.expr !== 'string' || !t.expr.trim()) {
      notes.push(`${name}: ${ref} has no PromQL/LogQL expression (another datasource?); not imported`);
      continue;
    }
    const q = { expr: t.expr };
    const legend = typeof t.legendFormat === 'string' ? t.legendFormat : '';
    if (legend && legend !== '__auto') q.legend = legend;
    out.queries.push(q);
  }
  if (!out.queries.length) {
    notes.push(`${name}: no query to run; not imported`);
    return null;
  }

  const defaults = (p.fieldConfig && p.fieldConfig.defaults) || {};
  const custom = defaults.custom || {};
  const unit = grafanaUnit(p, defaults);
  if (unit !== undefined && type !== 'logs') {
    if (unit in UNITS) out.unit = UNITS[unit];
    else notes.push(`${name}: unit ${JSON.stringify(unit)} has no Vigil equivalent; values shown as plain numbers`);
  }
  if (Number.isFinite(defaults.decimals)) out.decimals = defaults.decimals;
  else if (Number.isFinite(p.decimals)) out.decimals = p.decimals;
  if (Number.isFinite(defaults.min)) out.min = defaults.min;
  if (Number.isFinite(defaults.max)) out.max = defaults.max;
  if (p.type === 'singlestat' && p.gauge && p.gauge.show) {
    out.type = 'gauge';
    if (Number.isFinite(p.gauge.minValue)) out.min = p.gauge.minValue;
    if (Number.isFinite(p.gauge.maxValue)) out.max = p.gauge.maxValue;
  }

  if (type === 'timeseries') {
    const mode = custom.stacking && custom.stacking.mode;
    if (mode === 'normal' || p.stack === true) out.stacked = true;
    if (mode === 'percent') {
      out.stacked = true;
      notes.push(`${name}: 100% stacking is drawn as plain stacking`);
    }
    const legend = p.options && p.options.legend;
    if ((legend && (legend.showLegend === false || legend.displayMode === 'hidden')) || (p.legend && p.legend.show === false)) {
      out.legend = false;
    }
    if (Array.isArray(p.seriesOverrides) && p.seriesOverrides.length) notes.push(`${name}: series overrides not applied`);
  }
  if (p.fieldConfig && Array.isArray(p.fieldConfig.overrides) && p.fieldConfig.overrides.length) {
    notes.push(`${name}: ${p.fieldConfig.overrides.length} field override(s) not applied`);
  }

  const th = thresholds(p, defaults, name, notes);
  if (th.length && (out.type === 'stat' || out.type === 'gauge' || out.type === 'table')) out.thresholds = th;
  return out;
}

// The unit of a panel: fieldConfig (Grafana 7+), or the first y axis of the
// old graph panel, or the old singlestat's format.
function grafanaUnit(p, defaults) {
  if (typeof defaults.unit === 'string') return defaults.unit;
  if (p.type === 'graph' && Array.isArray(p.yaxes) && p.yaxes[0] && typeof p.yaxes[0].format === 'string') return p.yaxes[0].format;
  if (p.type === 'singlestat' && typeof p.format === 'string') return p.format;
  return undefined;
}

function thresholds(p, defaults, name, notes) {
  const t = defaults.thresholds;
  if (t && Array.isArray(t.steps)) {
    if (t.mode === 'percentage') notes.push(`${name}: percentage thresholds taken as absolute values`);
    return t.steps
      .filter((s) => s && typeof s.color === 'string')
      .map((s) => ({ value: Number.isFinite(s.value) ? s.value : null, color: grafanaColor(s.color) }))
      .filter((s) => s.color);
  }
  // singlestat: "80,90" with colors [base, warn, crit].
  if (typeof p.thresholds === 'string' && Array.isArray(p.colors)) {
    const values = p.thresholds.split(',').map((x) => Number(x.trim())).filter(Number.isFinite);
    const colors = p.colors.map(grafanaColor);
    return [{ value: null, color: colors[0] || 'green' }, ...values.map((v, i) => ({ value: v, color: colors[i + 1] || 'red' }))];
  }
  return [];
}

// Grafana's named shades ("dark-red", "semi-dark-green", "#EAB839",
// "rgba(50, 172, 45, 0.97)") -> a Vigil colour (a name or #hex).
export function grafanaColor(c) {
  const s = String(c || '').trim();
  if (/^#[0-9a-fA-F]{3,8}$/.test(s)) return s;
  const rgb = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/.exec(s);
  if (rgb) return `#${[rgb[1], rgb[2], rgb[3]].map((x) => Math.min(255, Number(x)).toString(16).padStart(2, '0')).join('')}`;
  const base = s.toLowerCase().replace(/^(super-light|light|semi-dark|dark)-/, '');
  return /^[a-z]{3,20}$/.test(base) ? base : '';
}

// ---- variables ----

function importVariables(g, ctx, notes) {
  const list = (g.templating && g.templating.list) || [];
  const out = [];
  for (const v of list) {
    if (!v || typeof v.name !== 'string') continue;
    const name = `variable $${v.name}`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name) || v.name.startsWith('__')) {
      notes.push(`${name}: not a valid variable name; not imported`);
      continue;
    }
    const base = { name: v.name };
    if (typeof v.label === 'string' && v.label && v.label !== v.name) base.label = v.label;
    const current = currentValue(v);
    switch (v.type) {
      case 'datasource':
        notes.push(`${name}: datasource variables are dropped (Vigil is the one datasource)`);
        break;
      case 'query': {
        const q = typeof v.query === 'string' ? v.query : v.query && typeof v.query.query === 'string' ? v.query.query : v.definition || '';
        if (!q.trim()) {
          notes.push(`${name}: no query; not imported`);
          break;
        }
        const nv = { ...base, type: 'query', query: q.trim() };
        if (ctx.isLoki(v.datasource)) nv.datasource = 'loki';
        choice(nv, v, current);
        if (typeof v.regex === 'string' && v.regex) nv.regex = v.regex;
        if (v.sort) notes.push(`${name}: option sorting is not supported; options come as the API lists them`);
        out.push(nv);
        break;
      }
      case 'custom': {
        const values = splitCustom(typeof v.query === 'string' ? v.query : '');
        if (!values.length && Array.isArray(v.options)) values.push(...v.options.map((o) => String(o.value)).filter((x) => x !== '$__all'));
        if (!values.length) {
          notes.push(`${name}: no values; not imported`);
          break;
        }
        const nv = { ...base, type: 'custom', values };
        choice(nv, v, current);
        out.push(nv);
        break;
      }
      case 'interval': {
        const values = String(v.query || '')
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        if (v.auto) values.unshift('auto');
        if (!values.length) {
          notes.push(`${name}: no intervals; not imported`);
          break;
        }
        const nv = { ...base, type: 'interval', values };
        if (current.length) nv.default = current[0] === '$__auto_interval_' + v.name ? 'auto' : current[0];
        out.push(nv);
        break;
      }
      case 'constant':
        out.push({ ...base, type: 'constant', value: String(v.query === undefined ? '' : v.query) });
        break;
      case 'textbox':
        out.push({ ...base, type: 'textbox', value: String(current[0] !== undefined ? current[0] : v.query || '') });
        break;
      default:
        notes.push(`${name}: variable type ${JSON.stringify(v.type)} is not supported; not imported`);
    }
  }
  return out;
}

function currentValue(v) {
  const c = v.current && v.current.value;
  if (c === undefined || c === null) return [];
  return (Array.isArray(c) ? c : [c]).map(String);
}

function choice(nv, v, current) {
  if (v.multi) nv.multi = true;
  if (v.includeAll) nv.includeAll = true;
  if (typeof v.allValue === 'string' && v.allValue) nv.allValue = v.allValue;
  if (current.length) {
    const list = current.map((x) => (x === '$__all' ? 'All' : x));
    nv.default = nv.multi && list.length > 1 ? list : list[0];
  }
}

// Grafana's custom variable values: "a,b,c" or "text : value" pairs, "\,"
// for a comma inside a value. Vigil keeps the values.
export function splitCustom(q) {
  const out = [];
  let cur = '';
  for (let i = 0; i < q.length; i++) {
    if (q[i] === '\\' && q[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (q[i] === ',') {
      out.push(cur);
      cur = '';
    } else cur += q[i];
  }
  out.push(cur);
  return out
    .map((x) => {
      const m = /^(.*?)\s+:\s+(.*)$/.exec(x);
      return (m ? m[2] : x).trim();
    })
    .filter((x) => x !== '');
}

function clamp(x, lo, hi) {
  return Math.min(hi, Math.max(lo, x));
}
