// Vigil's dashboard format: its validation, the time values a dashboard's
// queries see, and the substitution of variables into queries. Pure
// functions (no DOM, no fetch), so node:test runs them (ui/test/).
//
// The format (a JSON file; the server keeps saved ones in
// <data-dir>/dashboards/<uid>.json, the UI ships the defaults in ui/dashboards/):
//
// {
//   "uid": "host-overview",          1 to 64 letters, digits, '_' or '-' (the file name)
//   "title": "Host overview",        required
//   "tags": ["host"], "description": "...",
//   "time": {"range": "1h"},         the range shown when the URL names none
//   "refresh": "30s",                auto-refresh ("" or absent: off)
//   "variables": [...],              see below
//   "panels": [...]                  required, see below
// }
//
// A variable:
//   {"name": "instance",             referenced as $instance, ${instance}, ${instance:format} or [[instance]]
//    "label": "Instance",            shown in the variable bar (default: the name)
//    "type": "query",                query (the default when "query" is set), custom, interval, constant, textbox
//    "query": "label_values(node_uname_info, instance)",
//    "values": ["a", "b"],           the options of custom and interval variables
//    "value": "x",                   the value of constant and textbox variables
//    "regex": "/(.*):\\d+/",          optional: keeps the options that match; a capture group (or (?<value>...))
//                                    picks the part kept
//    "datasource": "prometheus",     or "loki": the query asks Loki's label endpoints
//    "multi": true, "includeAll": true, "allValue": ".*",
//    "default": "All"}               a value, a list of values, or "All"; absent: All when includeAll, else the
//                                    first option
// query is one of
//   label_values(label)                    /api/v1/label/<label>/values
//   label_values(series_selector, label)   the same with match[]=series_selector
//   label_names() / label_names(selector)  /api/v1/labels
//   metrics(regex)                         metric names matching the regex
//   query_result(expr)                     an instant query; each series' text `name{a="b"} value timestamp`
//                                          (with a regex to pick the part wanted, as in Grafana)
// and may use the variables defined before it (chained variables).
//
// A panel:
//   {"title": "CPU", "description": "...",
//    "type": "timeseries",           timeseries | stat | gauge | table | logs | text
//    "width": 6, "height": 8,        width in 12ths of the page (1-12), height in rows of 30 px (1-60)
//    "x": 0, "y": 0,                 optional: the column (0-11) and row the panel starts at; without
//                                    them panels flow left to right in their order
//    "queries": [{"expr": "...", "legend": "{{mode}}"}],
//    "datasource": "prometheus",     or "loki": the queries are LogQL (logs panels always are)
//    "unit": "short",                short | bytes | bytes/s | bits/s | seconds | ms | percent | percentunit | ops/s
//    "decimals": 2,                  optional: digits of stat, gauge and table values
//    "stacked": false, "legend": true,
//    "min": 0, "max": 100,           the gauge's scale (default 0 to 100, or 0 to 1 for percentunit)
//    "thresholds": [{"value": null, "color": "green"}, {"value": 80, "color": "orange"}],
//                                    a value takes the colour of the highest threshold it reaches
//    "limit": 100,                   logs panels: lines shown (default 100, at most 5000)
//    "text": "# Markdown-ish"}       text panels: headings, paragraphs, lists, `code`, **bold**, *em*, [links](url)
//
// Time values (computed per refresh from the range and the end):
//   step        = autoStep(range): about 250 points over the range, rounded to a readable duration
//   $__interval = the step ("15s"), $__interval_ms = the step in milliseconds
//   $__range    = the range in whole seconds ("3600s"), $__range_s = 3600, $__range_ms = 3600000
//   $__rate_interval = max(4 × step, 1m): every rate() window holds at least four steps, and never less
//     than four samples of the default 15 s scrape interval (Grafana's max(interval + scrape, 4 × scrape) needs
//     each series' scrape interval, which a dashboard does not know; with 15 s both agree up to a 3h range,
//     beyond it this rule is smoother).
//
// Substitution: a variable with one value (and not multi or All) is put in as it is, with `\` and `"`
// escaped so that it cannot end the PromQL string it sits in. A multi or All variable becomes a regex
// alternation for =~ matchers: each value's regex metacharacters are escaped (a\.b, written a\\.b inside
// the PromQL string), several values are joined as (a|b); All without allValue is every option.
// ${name:raw}, ${name:regex}, ${name:pipe}, ${name:csv}, ${name:json} pick a format explicitly.

import { autoStep, formatDuration, parseDuration, parseTime } from './time.js';

export const PANEL_TYPES = ['timeseries', 'stat', 'gauge', 'table', 'logs', 'text'];
export const VARIABLE_TYPES = ['query', 'custom', 'interval', 'constant', 'textbox'];
export const UNITS = ['short', 'bytes', 'bytes/s', 'bits/s', 'seconds', 'ms', 'percent', 'percentunit', 'ops/s'];
export const ALL = '$__all';
export const UID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const COLOR_RE = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$/;

// ---- validation ----

// Parses and validates dashboard text; JSON syntax errors are reported like
// the format's own errors.
export function parseDashboard(text) {
  let obj;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    return { errors: [`not valid JSON: ${e.message}`], dashboard: null };
  }
  return validateDashboard(obj);
}

// Checks a dashboard and returns {errors, dashboard}: errors name the place
// ("panels[2].queries[0].expr: ..."); dashboard is a copy with the defaults
// filled in (null when there are errors).
export function validateDashboard(d) {
  const errors = [];
  const err = (path, msg) => errors.push(path ? `${path}: ${msg}` : msg);
  if (!isObject(d)) return { errors: ['a dashboard is a JSON object'], dashboard: null };
  const out = { ...d };
  if (typeof d.title !== 'string' || !d.title.trim()) err('title', 'a non-empty string is required');
  if (d.uid !== undefined && (typeof d.uid !== 'string' || !UID_RE.test(d.uid))) {
    err('uid', `1 to 64 letters, digits, '_' or '-', not ${JSON.stringify(d.uid)}`);
  }
  if (d.tags !== undefined && !(Array.isArray(d.tags) && d.tags.every((t) => typeof t === 'string'))) {
    err('tags', 'a list of strings is expected');
  }
  if (d.description !== undefined && typeof d.description !== 'string') err('description', 'a string is expected');
  if (d.time !== undefined) {
    if (!isObject(d.time)) err('time', 'an object like {"range": "1h"} is expected');
    else if (d.time.range !== undefined && !positiveDuration(d.time.range)) {
      err('time.range', `a duration like "1h" is expected, not ${JSON.stringify(d.time.range)}`);
    }
  }
  if (d.refresh !== undefined && d.refresh !== '' && !positiveDuration(d.refresh)) {
    err('refresh', `a duration like "30s" (or "") is expected, not ${JSON.stringify(d.refresh)}`);
  }

  out.variables = [];
  if (d.variables !== undefined && !Array.isArray(d.variables)) err('variables', 'a list is expected');
  const seen = new Set();
  (Array.isArray(d.variables) ? d.variables : []).forEach((v, i) => {
    const path = `variables[${i}]`;
    if (!isObject(v)) return err(path, 'an object is expected');
    const nv = { ...v };
    if (typeof v.name !== 'string' || !NAME_RE.test(v.name) || v.name.startsWith('__')) {
      err(`${path}.name`, `a name of letters, digits and '_' (not starting with a digit or "__") is required, not ${JSON.stringify(v.name)}`);
    } else if (seen.has(v.name)) {
      err(`${path}.name`, `${JSON.stringify(v.name)} is defined twice`);
    } else seen.add(v.name);
    nv.type = v.type || (v.query !== undefined ? 'query' : v.values !== undefined ? 'custom' : 'constant');
    if (!VARIABLE_TYPES.includes(nv.type)) {
      err(`${path}.type`, `one of ${VARIABLE_TYPES.join(', ')} is expected, not ${JSON.stringify(v.type)}`);
    } else if (nv.type === 'query') {
      if (typeof v.query !== 'string' || !v.query.trim()) err(`${path}.query`, 'a query like label_values(up, job) is required');
      else {
        const q = parseVariableQuery(v.query);
        if (q.error) err(`${path}.query`, q.error);
      }
    } else if (nv.type === 'custom' || nv.type === 'interval') {
      if (!Array.isArray(v.values) || !v.values.length || !v.values.every((x) => typeof x === 'string')) {
        err(`${path}.values`, 'a non-empty list of strings is required');
      } else if (nv.type === 'interval') {
        v.values.forEach((x, j) => {
          if (x !== 'auto' && !positiveDuration(x)) err(`${path}.values[${j}]`, `a duration or "auto" is expected, not ${JSON.stringify(x)}`);
        });
      }
    } else if (v.value !== undefined && typeof v.value !== 'string') {
      err(`${path}.value`, 'a string is expected');
    }
    if (v.label !== undefined && typeof v.label !== 'string') err(`${path}.label`, 'a string is expected');
    nv.datasource = v.datasource || 'prometheus';
    if (!['prometheus', 'loki'].includes(nv.datasource)) err(`${path}.datasource`, `"prometheus" or "loki" is expected, not ${JSON.stringify(v.datasource)}`);
    if (v.regex !== undefined && v.regex !== '') {
      if (typeof v.regex !== 'string') err(`${path}.regex`, 'a string is expected');
      else {
        try {
          toRegExp(v.regex);
        } catch (e) {
          err(`${path}.regex`, e.message);
        }
      }
    }
    for (const k of ['multi', 'includeAll']) {
      if (v[k] !== undefined && typeof v[k] !== 'boolean') err(`${path}.${k}`, 'true or false is expected');
    }
    if (v.allValue !== undefined && typeof v.allValue !== 'string') err(`${path}.allValue`, 'a string is expected');
    if (v.default !== undefined && typeof v.default !== 'string' && !(Array.isArray(v.default) && v.default.every((x) => typeof x === 'string'))) {
      err(`${path}.default`, 'a string or a list of strings is expected');
    }
    out.variables.push(nv);
  });

  out.panels = [];
  if (!Array.isArray(d.panels)) err('panels', 'a list is required');
  (Array.isArray(d.panels) ? d.panels : []).forEach((p, i) => {
    const path = `panels[${i}]`;
    if (!isObject(p)) return err(path, 'an object is expected');
    const np = { ...p };
    np.type = p.type || 'timeseries';
    if (!PANEL_TYPES.includes(np.type)) err(`${path}.type`, `one of ${PANEL_TYPES.join(', ')} is expected, not ${JSON.stringify(p.type)}`);
    if (p.title !== undefined && typeof p.title !== 'string') err(`${path}.title`, 'a string is expected');
    np.title = p.title || '';
    np.width = p.width === undefined ? 6 : p.width;
    np.height = p.height === undefined ? (np.type === 'stat' || np.type === 'gauge' ? 4 : 8) : p.height;
    if (!Number.isInteger(np.width) || np.width < 1 || np.width > 12) err(`${path}.width`, `an integer from 1 to 12 is expected, not ${JSON.stringify(p.width)}`);
    if (!Number.isInteger(np.height) || np.height < 1 || np.height > 60) err(`${path}.height`, `an integer from 1 to 60 is expected, not ${JSON.stringify(p.height)}`);
    if (p.x !== undefined && (!Number.isInteger(p.x) || p.x < 0 || p.x + np.width > 12)) {
      err(`${path}.x`, `an integer from 0 to ${12 - np.width} (12 - width) is expected, not ${JSON.stringify(p.x)}`);
    }
    if (p.y !== undefined && (!Number.isInteger(p.y) || p.y < 0 || p.y > 10000)) {
      err(`${path}.y`, `an integer from 0 to 10000 is expected, not ${JSON.stringify(p.y)}`);
    }
    if (np.type === 'text') {
      if (typeof p.text !== 'string') err(`${path}.text`, 'a text panel needs a string "text"');
      np.queries = [];
    } else {
      if (!Array.isArray(p.queries) || !p.queries.length) err(`${path}.queries`, 'a non-empty list of queries is required');
      np.queries = (Array.isArray(p.queries) ? p.queries : []).map((q, j) => {
        if (!isObject(q) || typeof q.expr !== 'string' || !q.expr.trim()) {
          err(`${path}.queries[${j}]`, 'an object with a non-empty string "expr" is expected');
          return { expr: '' };
        }
        if (q.legend !== undefined && typeof q.legend !== 'string') err(`${path}.queries[${j}].legend`, 'a string is expected');
        return { ...q };
      });
    }
    np.datasource = np.type === 'logs' ? 'loki' : p.datasource || 'prometheus';
    if (!['prometheus', 'loki'].includes(np.datasource)) err(`${path}.datasource`, `"prometheus" or "loki" is expected, not ${JSON.stringify(p.datasource)}`);
    np.unit = p.unit || 'short';
    if (!UNITS.includes(np.unit)) err(`${path}.unit`, `one of ${UNITS.join(', ')} is expected, not ${JSON.stringify(p.unit)}`);
    for (const k of ['min', 'max', 'decimals', 'limit']) {
      if (p[k] !== undefined && p[k] !== null && !Number.isFinite(p[k])) err(`${path}.${k}`, 'a number is expected');
    }
    if (p.limit !== undefined && (p.limit < 1 || p.limit > 5000)) err(`${path}.limit`, 'from 1 to 5000');
    for (const k of ['stacked', 'legend']) {
      if (p[k] !== undefined && typeof p[k] !== 'boolean') err(`${path}.${k}`, 'true or false is expected');
    }
    np.thresholds = [];
    if (p.thresholds !== undefined) {
      if (!Array.isArray(p.thresholds)) err(`${path}.thresholds`, 'a list is expected');
      else {
        p.thresholds.forEach((t, j) => {
          if (!isObject(t) || !(t.value === null || t.value === undefined || Number.isFinite(t.value)) || typeof t.color !== 'string' || !COLOR_RE.test(t.color)) {
            err(`${path}.thresholds[${j}]`, 'an object {"value": number or null, "color": a colour name or #hex} is expected');
          } else np.thresholds.push({ value: t.value === undefined ? null : t.value, color: t.color });
        });
        np.thresholds.sort((a, b) => (a.value === null ? -Infinity : a.value) - (b.value === null ? -Infinity : b.value));
      }
    }
    out.panels.push(np);
  });

  return errors.length ? { errors, dashboard: null } : { errors, dashboard: out };
}

function isObject(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function positiveDuration(s) {
  if (typeof s !== 'string') return false;
  const d = parseDuration(s);
  return d !== null && d > 0;
}

// ---- time ----

// The window and the time values of one refresh. `now` is injectable for tests.
export function timeContext(range, end, now = Date.now() / 1000) {
  const rangeS = parseDuration(range);
  if (rangeS === null || rangeS <= 0) throw new Error(`range: cannot parse ${JSON.stringify(range)}`);
  const endS = parseTime(end || 'now', now);
  if (endS === null) throw new Error(`end: cannot parse ${JSON.stringify(end)} (use now, now-1h, Unix seconds or RFC 3339)`);
  const step = autoStep(rangeS);
  // endText keeps "now" (or "now-1h") relative for links out of the dashboard.
  return { range: rangeS, start: endS - rangeS, end: endS, endText: end || '', step, rateInterval: Math.max(4 * step, 60) };
}

export function builtins(ctx) {
  const range = Math.round(ctx.range);
  return {
    __interval: formatDuration(ctx.step),
    __interval_ms: String(Math.round(ctx.step * 1000)),
    __rate_interval: formatDuration(ctx.rateInterval),
    __range: `${range}s`,
    __range_s: String(range),
    __range_ms: String(range * 1000),
  };
}

// Grafana's auto interval: the range in about 30 slices, at least 10 s.
function autoInterval(ctx) {
  return formatDuration(Math.max(10, autoStep(ctx.range, 30)));
}

// ---- substitution ----

// Escapes regex metacharacters (RE2's set) in one value.
export function regexEscape(s) {
  return String(s).replace(/[\\^$*+?.()|{}[\]]/g, '\\$&');
}

// Makes text safe inside a PromQL/LogQL double-quoted string.
function stringEscape(s) {
  return String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

// The values a resolved variable stands for (All expanded to its options).
export function expandValues(v) {
  const cur = v.current || [];
  if (cur.includes(ALL)) return v.options ? v.options.map((o) => o.value) : [];
  return cur;
}

function formatVariable(v, format, ctx) {
  const cur = v.current || [];
  const isAll = cur.includes(ALL);
  let values = expandValues(v);
  if (v.type === 'interval' && ctx) values = values.map((x) => (x === 'auto' ? autoInterval(ctx) : x));
  switch (format) {
    case 'raw':
      return isAll && v.allValue ? v.allValue : values.join(',');
    case 'csv':
      return values.join(',');
    case 'pipe':
      return values.join('|');
    case 'json':
      return JSON.stringify(values);
    case 'regex':
      return regexAlternation(values);
    default:
      if (isAll && v.allValue) return v.allValue;
      if (v.multi || v.includeAll) return regexAlternation(values);
      return stringEscape(values.length ? values[0] : '');
  }
}

function regexAlternation(values) {
  const parts = values.map((x) => stringEscape(regexEscape(x)));
  return parts.length === 1 ? parts[0] : `(${parts.join('|')})`;
}

const VAR_RE = /\$([A-Za-z_][A-Za-z0-9_]*)|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?\}|\[\[([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?\]\]/g;

// Replaces $name, ${name}, ${name:format}, [[name]] and the $__ time values
// in a query. `vars` are resolved variables: {name, type, multi, includeAll,
// allValue, options: [{text, value}], current: [values] (ALL for All)}.
// Unknown names are left as they are ($1 in label_replace stays $1).
export function interpolate(text, vars, ctx) {
  return substitute(text, vars, ctx, (v, format) => formatVariable(v, format, ctx));
}

// The same for text people read (panel titles): the options' texts, "All"
// for All, several joined with " + ".
export function interpolateText(text, vars, ctx) {
  return substitute(text, vars, ctx, (v) => {
    const cur = v.current || [];
    if (cur.includes(ALL)) return 'All';
    return cur.map((x) => ((v.options || []).find((o) => o.value === x) || { text: x }).text).join(' + ');
  });
}

function substitute(text, vars, ctx, format) {
  const byName = new Map((vars || []).map((v) => [v.name, v]));
  const time = ctx ? builtins(ctx) : {};
  return String(text).replace(VAR_RE, (whole, a, b, bf, c, cf) => {
    const name = a || b || c;
    if (name in time) return time[name];
    const v = byName.get(name);
    return v ? format(v, bf || cf || '') : whole;
  });
}

// ---- variable queries ----

// Splits on commas outside parentheses, braces, brackets and quotes.
function splitArgs(s) {
  const out = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      cur += ch;
      if (ch === '\\' && i + 1 < s.length) cur += s[++i];
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if ('({['.includes(ch)) depth++;
    else if (')}]'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim() || out.length) out.push(cur.trim());
  return out;
}

// Parses a variable's query into what to ask the API: {kind, ...} or {error}.
export function parseVariableQuery(query) {
  const q = String(query || '').trim();
  const m = /^(label_values|label_names|metrics|query_result)\s*\(([\s\S]*)\)$/.exec(q);
  if (!m) {
    return { error: `use label_values(label), label_values(selector, label), label_names(), metrics(regex) or query_result(expr), not ${JSON.stringify(q)}` };
  }
  const [, fn, inner] = m;
  const args = splitArgs(inner);
  if (fn === 'label_values') {
    if (args.length === 1 && NAME_RE.test(args[0])) return { kind: 'label_values', label: args[0], match: '' };
    if (args.length === 2 && args[0] && NAME_RE.test(args[1])) return { kind: 'label_values', label: args[1], match: args[0] };
    return { error: `label_values takes (label) or (series_selector, label), not (${inner})` };
  }
  if (fn === 'label_names') return args.length <= 1 ? { kind: 'label_names', match: args[0] || '' } : { error: 'label_names takes at most a series selector' };
  if (fn === 'metrics') return { kind: 'metrics', regex: inner.trim() };
  if (!inner.trim()) return { error: 'query_result needs an expression' };
  return { kind: 'query_result', expr: inner.trim() };
}

// The API call that lists a variable query's values: {path, params}.
// datasource "loki" asks Loki's label endpoints (label_values(selector, label)
// then takes a LogQL stream selector).
export function variableRequest(parsed, ctx, datasource = 'prometheus') {
  if (datasource === 'loki') {
    const window = ctx ? { start: ctx.start.toFixed(3), end: ctx.end.toFixed(3) } : {};
    switch (parsed.kind) {
      case 'label_values':
        return { path: `/loki/api/v1/label/${encodeURIComponent(parsed.label)}/values`, params: { ...window, query: parsed.match || undefined } };
      case 'label_names':
        return { path: '/loki/api/v1/labels', params: { ...window, query: parsed.match || undefined } };
      case 'query_result':
        return { path: '/loki/api/v1/query', params: { query: parsed.expr, time: window.end } };
      default:
        throw new Error(`${parsed.kind}() is a Prometheus variable query; Loki variables take label_values, label_names or query_result`);
    }
  }
  const window = ctx ? { start: Math.floor(ctx.start), end: Math.ceil(ctx.end) } : {};
  switch (parsed.kind) {
    case 'label_values':
      return { path: `/api/v1/label/${encodeURIComponent(parsed.label)}/values`, params: { ...window, 'match[]': parsed.match || undefined } };
    case 'label_names':
      return { path: '/api/v1/labels', params: { ...window, 'match[]': parsed.match || undefined } };
    case 'metrics':
      return { path: '/api/v1/label/__name__/values', params: window };
    case 'query_result':
      return { path: '/api/v1/query', params: { query: parsed.expr, time: ctx ? ctx.end : undefined } };
    default:
      throw new Error(`unknown variable query ${parsed.kind}`);
  }
}

// A series as Grafana's query_result prints it: `name{a="b",c="d"} 1 1700000000000`
// (values unescaped, as there), so regexes written for Grafana work here.
function seriesText(s) {
  const { __name__: name = '', ...rest } = s.metric || {};
  const labels = Object.keys(rest).map((k) => `${k}="${rest[k]}"`).join(',');
  const [t, v] = s.value || [];
  return `${name}{${labels}} ${v} ${Math.round(Number(t) * 1000)}`;
}

// Turns the API's answer into the variable's texts (before the regex).
export function variableValues(parsed, data) {
  if (parsed.kind === 'metrics') {
    const re = parsed.regex ? toRegExp(parsed.regex) : null;
    return (data || []).filter((n) => !re || re.test(n));
  }
  if (parsed.kind === 'query_result') {
    if (!data) return [];
    if (data.resultType === 'vector') return data.result.map(seriesText);
    if (data.resultType === 'scalar' || data.resultType === 'string') return [String(data.result[1])];
    return [];
  }
  return (data || []).map(String);
}

// "/pattern/flags" or a bare pattern -> RegExp; throws with a readable message.
export function toRegExp(text) {
  const m = /^\/([\s\S]*)\/([gimsuy]*)$/.exec(text);
  try {
    return m ? new RegExp(m[1], m[2].replace('g', '')) : new RegExp(text);
  } catch (e) {
    throw new Error(`not a valid regex: ${e.message}`);
  }
}

// The options of a variable from its values: the regex keeps the values that
// match and, with a capture group, the part captured (the named groups
// "text" and "value" set each apart). Duplicates go.
export function applyRegex(values, regex) {
  const seen = new Set();
  const out = [];
  const re = regex ? toRegExp(regex) : null;
  for (const raw of values) {
    let text = raw;
    let value = raw;
    if (re) {
      const m = re.exec(raw);
      if (!m) continue;
      const g = m.groups || {};
      if (g.value !== undefined || g.text !== undefined) {
        value = g.value !== undefined ? g.value : g.text;
        text = g.text !== undefined ? g.text : value;
      } else if (m.length > 1 && m[1] !== undefined) {
        value = text = m[1];
      }
    }
    if (seen.has(value)) continue;
    seen.add(value);
    out.push({ text, value });
  }
  return out;
}

// The options of variables that need no API call.
export function staticOptions(v) {
  if (v.type === 'custom' || v.type === 'interval') return v.values.map((x) => ({ text: x, value: x }));
  if (v.type === 'constant' || v.type === 'textbox') return [{ text: v.value || '', value: v.value || '' }];
  return null;
}

// Picks the variable's current values: the wanted ones (from the URL) that
// are options, else the default, else All or the first option.
export function chooseCurrent(v, options, wanted) {
  if (v.type === 'constant') return [v.value || ''];
  if (v.type === 'textbox') return [wanted && wanted.length ? wanted[0] : v.value || ''];
  const values = new Set(options.map((o) => o.value));
  const ok = (list) => {
    const kept = list.filter((x) => x === ALL ? v.includeAll : values.has(x));
    if (kept.includes(ALL)) return [ALL];
    return v.multi ? kept : kept.slice(0, 1);
  };
  if (wanted && wanted.length) {
    const kept = ok(wanted.map((x) => (x === 'All' && v.includeAll && !values.has('All') ? ALL : x)));
    if (kept.length) return kept;
  }
  if (v.default !== undefined) {
    const list = (Array.isArray(v.default) ? v.default : [v.default]).map((x) => (x === 'All' && !values.has('All') ? ALL : x));
    const kept = ok(list);
    if (kept.length) return kept;
  }
  if (v.includeAll) return [ALL];
  return options.length ? [options[0].value] : [];
}

// ---- display ----

// The text of a value in a panel's unit.
export function formatUnit(v, unit, decimals) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const num = (x) => (decimals !== undefined && decimals !== null && Math.abs(x) < 1000 ? trimFixed(x, decimals) : shortNumber(x));
  switch (unit) {
    case 'bytes':
      return bytes(v);
    case 'bytes/s':
      return `${bytes(v)}/s`;
    case 'bits/s':
      return `${num(v)} b/s`;
    case 'seconds':
      return seconds(v, num);
    case 'ms':
      return seconds(v / 1000, num);
    case 'percent':
      return `${num(v)}%`;
    case 'percentunit':
      return `${num(v * 100)}%`;
    case 'ops/s':
      return `${num(v)}/s`;
    default:
      return num(v);
  }
}

// What Chart.jsx is given for a panel unit: the unit it formats axes in and
// the factor the points are multiplied by.
export function chartUnit(unit) {
  switch (unit) {
    case 'bytes':
    case 'bytes/s':
      return { unit: 'bytes', scale: 1 };
    case 'seconds':
      return { unit: 'seconds', scale: 1 };
    case 'ms':
      return { unit: 'seconds', scale: 0.001 };
    case 'percent':
    case 'percentunit':
      return { unit, scale: 1 };
    default:
      return { unit: '', scale: 1 };
  }
}

function trimFixed(x, d) {
  return x.toFixed(Math.max(0, Math.min(10, d)));
}

function shortNumber(v) {
  if (!isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const a = Math.abs(v);
  if (a === 0) return '0';
  for (const [n, u] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) if (a >= n) return `${trimZeros((v / n).toPrecision(3))}${u}`;
  if (a >= 1) return trimZeros(v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2));
  if (a >= 1e-3) return trimZeros(v.toPrecision(3));
  return v.toExponential(2);
}

function trimZeros(s) {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

function bytes(v) {
  if (!isFinite(v)) return shortNumber(v);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${i === 0 ? trimZeros(x.toFixed(Math.abs(x) < 10 && x !== Math.trunc(x) ? 1 : 0)) : trimZeros(x.toFixed(Math.abs(x) >= 100 ? 0 : 1))} ${units[i]}`;
}

function seconds(v, num) {
  const a = Math.abs(v);
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${num(v * 1e6)} µs`;
  if (a < 1) return `${num(v * 1000)} ms`;
  if (a < 120) return `${num(v)} s`;
  if (a < 7200) return `${num(v / 60)} min`;
  if (a < 172800) return `${num(v / 3600)} h`;
  return `${num(v / 86400)} d`;
}

// The colour a value takes: the last threshold it reaches (null counts as
// -Infinity, the base colour); '' when there are none.
export function thresholdColor(value, thresholds) {
  let color = '';
  for (const t of thresholds || []) {
    if (t.value === null || t.value === undefined || value >= t.value) color = t.color;
  }
  return color;
}

// Grafana and CSS colour names -> a CSS colour of the UI's palette.
const NAMED = {
  green: 'var(--ok)',
  red: 'var(--bad)',
  orange: 'var(--warn)',
  yellow: '#d4a106',
  blue: 'var(--accent)',
  purple: '#8e5ea2',
  text: 'var(--text)',
  transparent: 'transparent',
};
export function cssColor(name) {
  if (!name) return '';
  if (/^#[0-9a-fA-F]{3,8}$/.test(name)) return name;
  const base = String(name).toLowerCase();
  return NAMED[base] || (/^[a-z]{3,20}$/.test(base) ? base : '');
}

// ---- text panels ----

// Parses the markdown-ish of text panels into blocks of inline runs, for
// Panel.jsx to render as elements (never as HTML):
// blocks: {type: 'h', level, inline} | {type: 'p', inline} | {type: 'ul'|'ol', items: [inline]} | {type: 'pre', text}
// inline: [{type: 'text'|'code'|'b'|'i', text} | {type: 'a', text, href}]
export function parseMarkdown(src) {
  const lines = String(src || '').replace(/\r\n?/g, '\n').split('\n');
  const blocks = [];
  let para = [];
  let list = null;
  const flush = () => {
    if (para.length) blocks.push({ type: 'p', inline: parseInline(para.join(' ')) });
    para = [];
    if (list) blocks.push(list);
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^```/.test(line)) {
      flush();
      const body = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) body.push(lines[i]);
      blocks.push({ type: 'pre', text: body.join('\n') });
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    const ul = /^\s*[-*+]\s+(.*)$/.exec(line);
    const ol = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (!line.trim()) flush();
    else if (h) {
      flush();
      blocks.push({ type: 'h', level: h[1].length, inline: parseInline(h[2]) });
    } else if (ul || ol) {
      const type = ul ? 'ul' : 'ol';
      if (para.length || (list && list.type !== type)) flush();
      if (!list) list = { type, items: [] };
      list.items.push(parseInline((ul || ol)[1]));
    } else if (list && /^\s+\S/.test(line)) {
      list.items[list.items.length - 1].push({ type: 'text', text: ' ' }, ...parseInline(line.trim()));
    } else {
      if (list) flush();
      para.push(line.trim());
    }
  }
  flush();
  return blocks;
}

// Only web and in-app links: a javascript: or data: URL never becomes a link.
export function safeHref(url) {
  const u = String(url || '').trim();
  return /^(https?:\/\/|\/(?!\/)|#|mailto:)/i.test(u) ? u : '';
}

export function parseInline(text) {
  const out = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) out.push({ type: 'text', text: text.slice(last, m.index) });
    if (m[1] !== undefined) out.push({ type: 'code', text: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ type: 'b', text: m[2] !== undefined ? m[2] : m[3] });
    else if (m[4] !== undefined) out.push({ type: 'i', text: m[4] });
    else {
      const href = safeHref(m[6]);
      out.push(href ? { type: 'a', text: m[5], href } : { type: 'text', text: m[0] });
    }
    last = re.lastIndex;
  }
  if (last < text.length) out.push({ type: 'text', text: text.slice(last) });
  return out;
}

// ---- the page's URL ----

// Reads the variables' wanted values from the URL (var-<name>=..., repeated
// for several, as Grafana writes them).
export function wantedFromParams(params) {
  const out = {};
  for (const [k, v] of params.entries()) {
    if (!k.startsWith('var-')) continue;
    (out[k.slice(4)] = out[k.slice(4)] || []).push(v);
  }
  return out;
}
