// One dashboard panel: runs its queries (PromQL through /api/v1/query_range
// or /api/v1/query, LogQL through /loki/api/v1/...) for the dashboard's
// time window and variables, and draws them as a chart, a stat, a gauge, a
// table, a list of log lines or a text. A failing query shows its error in
// the panel itself, so one bad panel never blanks the dashboard.
//
// The element carries data-testid="panel" and data-state="loading|ok|error"
// for the browser tests.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { legendFormat, seriesName } from '../lib/format.js';
import { formatDuration, formatTimestamp } from '../lib/time.js';
import { chartUnit, cssColor, formatUnit, interpolate, interpolateText, parseMarkdown, thresholdColor } from '../lib/dashboard.js';
import { Chart } from './Chart.jsx';
import { Warnings } from './common.jsx';

// Rows of the grid are 30 px with 8 px between them (Grafana's grid, so
// imported heights look the same); the header takes one row.
export const ROW_PX = 30;
export const GAP_PX = 8;
const HEAD_PX = 30;
const MAX_SERIES = 200;

export function panelPixels(height) {
  return height * ROW_PX + (height - 1) * GAP_PX;
}

async function runQuery(panel, expr, ctx, warnings) {
  const onWarnings = (ws) => warnings.push(...ws);
  if (panel.datasource === 'loki') {
    const window = { start: ctx.start.toFixed(3), end: ctx.end.toFixed(3) };
    if (panel.type === 'logs') {
      return api('/loki/api/v1/query_range', { query: expr, ...window, limit: panel.limit || 100, direction: 'backward' }, { onWarnings });
    }
    if (panel.type === 'timeseries') return api('/loki/api/v1/query_range', { query: expr, ...window, step: ctx.step }, { onWarnings });
    return api('/loki/api/v1/query', { query: expr, time: window.end }, { onWarnings });
  }
  if (panel.type === 'timeseries') {
    return api('/api/v1/query_range', { query: expr, start: ctx.start, end: ctx.end, step: ctx.step }, { method: 'POST', onWarnings });
  }
  return api('/api/v1/query', { query: expr, time: ctx.end }, { method: 'POST', onWarnings });
}

export function Panel({ panel, vars, ctx }) {
  const exprs = useMemo(() => (panel.queries || []).map((q) => interpolate(q.expr, vars, ctx)), [panel, vars, ctx]);
  const key = JSON.stringify([exprs, ctx && [ctx.start, ctx.end, ctx.step]]);
  const [run, setRun] = useState({ state: panel.type === 'text' ? 'ok' : 'loading', results: null, error: null, warnings: [] });
  const seq = useRef(0);

  useEffect(() => {
    if (panel.type === 'text' || !ctx) return;
    const my = ++seq.current;
    const t0 = performance.now();
    setRun((r) => ({ ...r, state: 'loading' }));
    const warnings = [];
    Promise.allSettled(exprs.map((e) => runQuery(panel, e, ctx, warnings))).then((settled) => {
      if (my !== seq.current) return;
      const failed = settled.map((s, i) => (s.status === 'rejected' ? { i, error: s.reason } : null)).filter(Boolean);
      setRun({
        state: failed.length ? 'error' : 'ok',
        results: settled.map((s) => (s.status === 'fulfilled' ? s.value : null)),
        error: failed.length
          ? failed.map((f) => `${exprs.length > 1 ? `query ${f.i + 1}: ` : ''}${f.error && f.error.message ? f.error.message : f.error}`).join('\n')
          : null,
        warnings: [...new Set(warnings)],
        ms: performance.now() - t0,
      });
    });
  }, [key, panel]);

  const title = useMemo(() => interpolateText(panel.title || '', vars, ctx), [panel, vars]);
  const px = panelPixels(panel.height);
  const body = px - HEAD_PX - 2;
  const bodyRef = useRef(null);
  const width = useWidth(bodyRef);
  return (
    <section
      class={`dash-panel dash-type-${panel.type}`}
      data-testid="panel"
      data-state={run.state}
      data-type={panel.type}
      style={{
        // Placed at x/y when the dashboard says (style.css reads these), else
        // in the flow; a narrow screen stacks them whatever they say.
        '--col': panel.x === undefined ? `span ${panel.width}` : `${panel.x + 1} / span ${panel.width}`,
        '--row': panel.y === undefined ? `span ${panel.height}` : `${panel.y + 1} / span ${panel.height}`,
        '--rows': panel.height,
        height: `${px}px`,
      }}
      aria-busy={run.state === 'loading'}
    >
      <header class="dash-panel-head">
        <h3 title={panel.description || title}>{title || '\u00a0'}</h3>
        {run.state === 'loading' && <span class="loading">loading…</span>}
        {run.state !== 'loading' && run.ms !== undefined && <span class="dash-panel-ms">{run.ms.toFixed(0)} ms</span>}
        {panel.type !== 'text' && (
          <a
            class="dash-explore"
            href={exploreHref(panel, exprs, ctx)}
            title={panel.datasource === 'loki' ? 'Open this query in the logs explorer' : 'Open these queries in the query explorer'}
          >
            ↗
          </a>
        )}
      </header>
      <div class="dash-panel-body" style={{ height: `${body}px` }} ref={bodyRef}>
        {run.error && (
          <div class="error" role="alert" data-where="panel">
            {run.error}
          </div>
        )}
        <Warnings warnings={run.warnings} />
        {/* When every query failed there is nothing to draw but the error. */}
        {!(run.results && run.results.length && run.results.every((r) => r === null)) && (
          <PanelBody panel={panel} results={run.results} height={body} width={width} ctx={ctx} />
        )}
      </div>
    </section>
  );
}

// The element's width, kept up to date (stat and gauge sizes follow it).
function useWidth(ref) {
  const [w, setW] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    setW(el.clientWidth);
    const ro = new ResizeObserver(() => setW(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return w;
}

// The query explorer takes several q, the logs explorer one.
function exploreHref(panel, exprs, ctx) {
  const p = new URLSearchParams();
  const logs = panel.datasource === 'loki';
  (logs ? exprs.slice(0, 1) : exprs).forEach((e) => p.append('q', e));
  if (ctx) {
    p.set('range', formatDuration(ctx.range));
    if (ctx.endText && ctx.endText !== 'now') p.set('end', ctx.endText);
  }
  return `/ui/${logs ? 'logs' : 'query'}?${p.toString()}`;
}

function PanelBody({ panel, results, height, width, ctx }) {
  if (panel.type === 'text') return <MarkdownText text={panel.text} />;
  if (!results) return null;
  switch (panel.type) {
    case 'timeseries':
      return <TimeseriesBody panel={panel} results={results} height={height} />;
    case 'stat':
      return <StatBody panel={panel} results={results} height={height} width={width} />;
    case 'gauge':
      return <GaugeBody panel={panel} results={results} height={height} width={width} />;
    case 'table':
      return <TableBody panel={panel} results={results} />;
    case 'logs':
      return <LogsBody results={results} ctx={ctx} />;
    default:
      return null;
  }
}

function NoData() {
  return <div class="dash-nodata">No data</div>;
}

// ---- timeseries ----

function TimeseriesBody({ panel, results, height }) {
  const { unit, scale } = chartUnit(panel.unit);
  const { series, cut, wrongType } = useMemo(() => {
    const out = [];
    let dropped = 0;
    let wrong = '';
    results.forEach((data, i) => {
      if (!data) return;
      if (data.resultType !== 'matrix') {
        wrong = data.resultType;
        return;
      }
      const q = panel.queries[i] || {};
      for (const m of data.result) {
        if (out.length >= MAX_SERIES) {
          dropped++;
          continue;
        }
        const points = scale === 1 ? m.values || [] : (m.values || []).map(([t, v]) => [t, Number(v) * scale]);
        out.push({ label: q.legend ? legendFormat(q.legend, m.metric) || seriesName(m.metric) : seriesName(m.metric), points });
      }
    });
    return { series: out, cut: dropped, wrongType: wrong };
  }, [results, panel]);
  if (wrongType === 'streams') return <div class="warning">This query returns log lines: use a logs panel, or a metric query such as rate(…[5m]).</div>;
  if (!series.length) return <NoData />;
  const legend = panel.legend !== false;
  // The legend gets up to three lines; more scroll, so the plot keeps its size.
  const legendPx = legend ? Math.min(series.length, 3) * 18 + 4 : 0;
  return (
    <div class="dash-chart" style={{ '--legend-px': `${legendPx}px` }}>
      {cut > 0 && <div class="warning">{cut} more series not drawn (the first {MAX_SERIES} are).</div>}
      <Chart series={series} stacked={!!panel.stacked} unit={unit} height={Math.max(60, height - legendPx - 8 - (cut > 0 ? 30 : 0))} legend={legend} />
    </div>
  );
}

// ---- stat and gauge ----

// [{label, value}] of an instant query's answers.
function instantValues(panel, results) {
  const out = [];
  results.forEach((data, i) => {
    if (!data) return;
    const q = panel.queries[i] || {};
    if (data.resultType === 'vector') {
      for (const s of data.result) {
        out.push({ label: q.legend ? legendFormat(q.legend, s.metric) : seriesName(s.metric), value: Number(s.value[1]), metric: s.metric });
      }
    } else if (data.resultType === 'scalar') {
      out.push({ label: q.legend || '', value: Number(data.result[1]), metric: {} });
    } else if (data.resultType === 'matrix') {
      // A LogQL metric query over an instant may still answer a matrix: its last point.
      for (const s of data.result) {
        const last = s.values && s.values[s.values.length - 1];
        if (last) out.push({ label: q.legend ? legendFormat(q.legend, s.metric) : seriesName(s.metric), value: Number(last[1]), metric: s.metric });
      }
    }
  });
  return out;
}

function StatBody({ panel, results, height, width }) {
  const values = instantValues(panel, results);
  if (!values.length) return <NoData />;
  const shown = values.slice(0, 24);
  const labelled = shown.length > 1 || panel.queries.some((q) => q.legend);
  const texts = shown.map((v) => formatUnit(v.value, panel.unit, panel.decimals));
  // As big as fits: by the rows the values wrap into and by the longest text
  // (a digit is about 0.6 em wide).
  const chars = Math.max(...texts.map((t) => t.length), 1);
  const perRow = Math.max(1, Math.min(shown.length, Math.floor((width || 300) / 110)));
  const rows = Math.ceil(shown.length / perRow);
  const byHeight = (height / rows - (labelled ? 18 : 0)) * 0.6;
  const byWidth = ((width || 300) / perRow - 20) / (chars * 0.62);
  const size = Math.max(12, Math.min(48, byHeight, byWidth));
  return (
    <div class="dash-stats">
      {shown.map((v, i) => (
        <div class="dash-stat" title={seriesName(v.metric)}>
          <div class="dash-stat-value" style={{ fontSize: `${size}px`, color: cssColor(thresholdColor(v.value, panel.thresholds)) || undefined }}>
            {texts[i]}
          </div>
          {labelled && <div class="dash-stat-label">{v.label}</div>}
        </div>
      ))}
      {values.length > shown.length && <div class="hint">{values.length - shown.length} more not shown</div>}
    </div>
  );
}

function defaultMax(unit) {
  return unit === 'percentunit' ? 1 : 100;
}

// A 240° arc from min to max, with the thresholds' colours as an outer band.
function Gauge({ value, min, max, thresholds, unit, decimals, label, size }) {
  const r = 40;
  const span = 240;
  const at = (v) => {
    const f = max > min ? Math.min(1, Math.max(0, (v - min) / (max - min))) : 0;
    return -120 + f * span;
  };
  const point = (deg, radius) => {
    const a = ((deg - 90) * Math.PI) / 180;
    return [50 + radius * Math.cos(a), 50 + radius * Math.sin(a)];
  };
  const arc = (from, to, radius) => {
    if (to - from < 0.01) return '';
    const [x1, y1] = point(from, radius);
    const [x2, y2] = point(to, radius);
    return `M ${x1.toFixed(2)} ${y1.toFixed(2)} A ${radius} ${radius} 0 ${to - from > 180 ? 1 : 0} 1 ${x2.toFixed(2)} ${y2.toFixed(2)}`;
  };
  const color = cssColor(thresholdColor(value, thresholds)) || 'var(--accent)';
  const bands = [];
  thresholds.forEach((t, i) => {
    const from = t.value === null ? min : t.value;
    const to = i + 1 < thresholds.length ? thresholds[i + 1].value : max;
    if (to > from) bands.push({ d: arc(at(from), at(to), r + 7), color: cssColor(t.color) });
  });
  return (
    <div class="dash-gauge" title={label}>
      <svg viewBox="0 0 100 88" width={size} height={size * 0.88} role="img" aria-label={`${label || 'value'}: ${formatUnit(value, unit, decimals)}`}>
        <path d={arc(-120, 120, r)} class="dash-gauge-track" />
        {Number.isFinite(value) && <path d={arc(-120, at(value), r)} style={{ stroke: color }} class="dash-gauge-value" />}
        {bands.map((b) => (
          <path d={b.d} style={{ stroke: b.color }} class="dash-gauge-band" />
        ))}
        <text x="50" y="56" class="dash-gauge-text" style={{ fill: color }}>
          {formatUnit(value, unit, decimals)}
        </text>
      </svg>
      {label && <div class="dash-stat-label">{label}</div>}
    </div>
  );
}

function GaugeBody({ panel, results, height, width }) {
  const values = instantValues(panel, results).slice(0, 12);
  if (!values.length) return <NoData />;
  const min = panel.min !== undefined && panel.min !== null ? panel.min : 0;
  const max = panel.max !== undefined && panel.max !== null ? panel.max : defaultMax(panel.unit);
  const labelled = values.length > 1 || panel.queries.some((q) => q.legend);
  const perRow = Math.max(1, Math.min(values.length, Math.floor((width || 300) / 90)));
  const rows = Math.ceil(values.length / perRow);
  const size = Math.max(60, Math.min((height / rows - (labelled ? 20 : 0)) / 0.88, (width || 300) / perRow - 12, 240));
  return (
    <div class="dash-gauges">
      {values.map((v) => (
        <Gauge value={v.value} min={min} max={max} thresholds={panel.thresholds} unit={panel.unit} decimals={panel.decimals} label={labelled ? v.label : ''} size={size} />
      ))}
    </div>
  );
}

// ---- table ----

function TableBody({ panel, results }) {
  const [sort, setSort] = useState({ col: 'value', desc: true });
  const rows = instantValues(panel, results);
  const cols = useMemo(() => {
    const keys = new Set();
    for (const r of rows) for (const k of Object.keys(r.metric || {})) keys.add(k);
    const list = [...keys].sort((a, b) => (a === '__name__' ? -1 : b === '__name__' ? 1 : a.localeCompare(b)));
    return list;
  }, [results]);
  if (!rows.length) return <NoData />;
  const sorted = [...rows].sort((a, b) => {
    const x = sort.col === 'value' ? a.value : (a.metric[sort.col] || '');
    const y = sort.col === 'value' ? b.value : (b.metric[sort.col] || '');
    const c = typeof x === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return sort.desc ? -c : c;
  });
  const head = (col, label, num) => (
    <th
      class={num ? 'num' : ''}
      aria-sort={sort.col === col ? (sort.desc ? 'descending' : 'ascending') : 'none'}
      onClick={() => setSort({ col, desc: sort.col === col ? !sort.desc : col === 'value' })}
    >
      {label}
      {sort.col === col ? (sort.desc ? ' ▾' : ' ▴') : ''}
    </th>
  );
  return (
    <table class="dash-table">
      <thead>
        <tr>
          {cols.map((c) => head(c, c === '__name__' ? 'metric' : c, false))}
          {head('value', 'value', true)}
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => (
          <tr>
            {cols.map((c) => (
              <td class="series">{r.metric[c] || ''}</td>
            ))}
            <td class="num" style={{ color: cssColor(thresholdColor(r.value, panel.thresholds)) || undefined }}>
              {formatUnit(r.value, panel.unit, panel.decimals)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// ---- logs ----

const LEVEL_KEYS = ['level', 'detected_level', 'severity_text', 'severity', 'lvl'];

function LogsBody({ results }) {
  const lines = useMemo(() => {
    const out = [];
    for (const data of results) {
      if (!data || data.resultType !== 'streams') continue;
      for (const s of data.result) {
        const level = LEVEL_KEYS.map((k) => s.stream && s.stream[k]).find(Boolean) || '';
        for (const [ns, line] of s.values) out.push({ ns: BigInt(ns), line, stream: s.stream, level: String(level).toLowerCase() });
      }
    }
    out.sort((a, b) => (a.ns < b.ns ? 1 : a.ns > b.ns ? -1 : 0));
    return out;
  }, [results]);
  if (results.some((d) => d && d.resultType && d.resultType !== 'streams')) {
    return <div class="warning">A logs panel lists log lines: this query is a metric query (use a timeseries panel).</div>;
  }
  if (!lines.length) return <NoData />;
  return (
    <ol class="dash-logs">
      {lines.map((l) => (
        <li class={`lvl-${levelClass(l.level)}`} title={seriesName(l.stream)}>
          <span class="dash-log-time">{formatTimestamp(Number(l.ns / 1000000n) / 1000)}</span>
          <span class="dash-log-line">{l.line}</span>
        </li>
      ))}
    </ol>
  );
}

function levelClass(l) {
  if (/^(err|error|crit|critical|fatal|alert|emerg|panic)/.test(l)) return 'error';
  if (/^warn/.test(l)) return 'warn';
  if (/^(debug|trace)/.test(l)) return 'debug';
  return 'info';
}

// ---- text ----

function Inline({ runs }) {
  return runs.map((r) => {
    switch (r.type) {
      case 'code':
        return <code>{r.text}</code>;
      case 'b':
        return <strong>{r.text}</strong>;
      case 'i':
        return <em>{r.text}</em>;
      case 'a':
        return (
          <a href={r.href} rel="noopener noreferrer" target={r.href.startsWith('/') || r.href.startsWith('#') ? undefined : '_blank'}>
            {r.text}
          </a>
        );
      default:
        return r.text;
    }
  });
}

function MarkdownText({ text }) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  return (
    <div class="dash-text">
      {blocks.map((b) => {
        if (b.type === 'h') {
          const H = `h${Math.min(6, b.level + 1)}`;
          return (
            <H>
              <Inline runs={b.inline} />
            </H>
          );
        }
        if (b.type === 'pre') return <pre>{b.text}</pre>;
        if (b.type === 'ul' || b.type === 'ol') {
          const L = b.type;
          return (
            <L>
              {b.items.map((it) => (
                <li>
                  <Inline runs={it} />
                </li>
              ))}
            </L>
          );
        }
        return (
          <p>
            <Inline runs={b.inline} />
          </p>
        );
      })}
    </div>
  );
}
