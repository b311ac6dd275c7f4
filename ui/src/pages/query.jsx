// The query explorer: several PromQL expressions over one time range, drawn
// together on one chart (stacked or not) or listed as a table of their
// instant values. Everything on the page lives in the URL
// (/ui/query?q=...&q=...&range=1h&end=now&step=&tab=graph&stacked=1), so a
// view is shared by copying the address.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { autoStep, formatDuration, formatTimestamp, parseDuration, parseTime } from '../lib/time.js';
import { formatNumber, seriesName } from '../lib/format.js';
import { Chart } from '../components/Chart.jsx';
import { PromqlEditor } from '../components/PromqlEditor.jsx';
import { ErrorBox, RangePicker, Tabs, Warnings } from '../components/common.jsx';

// Drawing more lines than this helps nobody and slows the page; the rest
// are listed as cut.
const MAX_GRAPH_SERIES = 500;

function stateFromUrl(params) {
  const qs = params.getAll('q');
  return {
    queries: qs.length ? qs : [''],
    range: params.get('range') || '1h',
    end: params.get('end') || '',
    step: params.get('step') || '',
    tab: params.get('tab') === 'table' ? 'table' : 'graph',
    stacked: params.get('stacked') === '1',
  };
}

function urlFromState(s) {
  const p = new URLSearchParams();
  s.queries.forEach((q) => p.append('q', q));
  p.set('range', s.range);
  if (s.end) p.set('end', s.end);
  if (s.step) p.set('step', s.step);
  p.set('tab', s.tab);
  if (s.stacked) p.set('stacked', '1');
  return `/ui/query?${p.toString()}`;
}

// The time window a run covers: [start, end] in Unix seconds and the step.
function window_(s) {
  const end = parseTime(s.end || 'now');
  if (end === null) throw new Error(`end: cannot parse ${JSON.stringify(s.end)} (use now, now-1h, Unix seconds or RFC 3339)`);
  const range = parseDuration(s.range);
  if (range === null || range <= 0) throw new Error(`range: cannot parse ${JSON.stringify(s.range)}`);
  let step = s.step ? parseDuration(s.step) : autoStep(range);
  if (step === null || step <= 0) throw new Error(`step: cannot parse ${JSON.stringify(s.step)}`);
  return { start: end - range, end, step };
}

async function runOne(expr, tab, w) {
  const t0 = performance.now();
  let warnings = [];
  const onWarnings = (ws) => (warnings = ws);
  const data =
    tab === 'graph'
      ? await api('/api/v1/query_range', { query: expr, start: w.start, end: w.end, step: w.step }, { method: 'POST', onWarnings })
      : await api('/api/v1/query', { query: expr, time: w.end }, { method: 'POST', onWarnings });
  return { data, warnings, ms: performance.now() - t0 };
}

export function QueryPage({ params }) {
  const fromUrl = useMemo(() => stateFromUrl(params), [params.toString()]);
  const [s, setS] = useState(fromUrl);
  const [results, setResults] = useState([]);
  const [runError, setRunError] = useState(null);
  const [running, setRunning] = useState(false);

  useEffect(() => setS(fromUrl), [fromUrl]);

  const run = async (state = s) => {
    navigate(urlFromState(state), { replace: true });
    let w;
    try {
      w = window_(state);
    } catch (e) {
      setRunError(e);
      return;
    }
    setRunError(null);
    setRunning(true);
    const out = await Promise.all(
      state.queries.map((q) =>
        q.trim() ? runOne(q, state.tab, w).catch((error) => ({ error })) : Promise.resolve(null),
      ),
    );
    setResults(out.map((r, i) => (r ? { ...r, expr: state.queries[i], window: w, tab: state.tab } : null)));
    setRunning(false);
  };

  // Runs once on arrival when the URL names a query (a shared link).
  useEffect(() => {
    if (fromUrl.queries.some((q) => q.trim())) run(fromUrl);
  }, []);

  const update = (patch, rerun = false) => {
    const next = { ...s, ...patch };
    setS(next);
    if (rerun) run(next);
  };
  const setQuery = (i, q) => update({ queries: s.queries.map((x, j) => (j === i ? q : x)) });

  return (
    <div class="page query-page">
      <div class="queries">
        {s.queries.map((q, i) => (
          <div class="query-row" data-testid={`query-${i}`}>
            <span class="query-index">{s.queries.length > 1 ? `#${i + 1}` : ''}</span>
            <PromqlEditor
              value={q}
              onChange={(v) => setQuery(i, v)}
              onRun={(v) => run({ ...s, queries: s.queries.map((x, j) => (j === i ? v : x)) })}
              placeholder="PromQL, e.g. rate(vigil_http_requests_total[5m])  (Enter runs, Shift+Enter breaks the line)"
            />
            {s.queries.length > 1 && (
              <button class="icon" title="remove this query" onClick={() => update({ queries: s.queries.filter((_, j) => j !== i) })}>
                ✕
              </button>
            )}
            {results[i] && results[i].error && <ErrorBox error={results[i].error} where={`query-${i}`} />}
            {results[i] && <Warnings warnings={results[i].warnings} />}
          </div>
        ))}
      </div>
      <div class="toolbar">
        <button class="primary" onClick={() => run()} disabled={running}>
          {running ? 'Running…' : 'Run'}
        </button>
        <button onClick={() => update({ queries: [...s.queries, ''] })}>Add query</button>
        <Tabs
          tabs={[
            ['graph', 'Graph'],
            ['table', 'Table'],
          ]}
          value={s.tab}
          onChange={(tab) => update({ tab }, true)}
        />
        <RangePicker
          range={s.range}
          onRange={(range) => update({ range }, true)}
          end={s.end}
          onEnd={(end) => update({ end }, true)}
          step={s.step}
          onStep={(step) => update({ step }, true)}
        />
        {s.tab === 'graph' && (
          <label class="check">
            <input type="checkbox" checked={s.stacked} onChange={(e) => update({ stacked: e.currentTarget.checked }, true)} />
            Stacked
          </label>
        )}
      </div>
      <ErrorBox error={runError} where="range" />
      {s.tab === 'graph' ? <GraphView results={results} stacked={s.stacked} /> : <TableView results={results} />}
    </div>
  );
}

function ResultMeta({ results }) {
  const ok = results.filter((r) => r && !r.error);
  if (!ok.length) return null;
  const w = ok[0].window;
  const ms = Math.max(...ok.map((r) => r.ms));
  return (
    <div class="meta">
      {ok.length} {ok.length === 1 ? 'query' : 'queries'} in {ms.toFixed(0)} ms · step {formatDuration(w.step)} ·{' '}
      {formatTimestamp(w.start)} → {formatTimestamp(w.end)}
    </div>
  );
}

// Each query's chart as an image (/api/v1/render, in this page's theme) and
// its data as CSV (/api/v1/export) over the same window: for a ticket, a
// notebook or a terminal.
function ExportLinks({ results, stacked }) {
  const dark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  const multi = results.filter(Boolean).length > 1;
  const ok = results.map((r, i) => [r, i]).filter(([r]) => r && !r.error && r.tab === 'graph');
  if (!ok.length) return null;
  const image = { theme: dark ? 'dark' : 'light', ...(stacked ? { stacked: '1' } : {}) };
  const href = (path, r, extra) => {
    const { start, end, step } = r.window;
    return `${path}?${new URLSearchParams({ query: r.expr, start, end, step, ...extra })}`;
  };
  return (
    <div class="meta export-links" data-testid="export-links">
      {ok.map(([r, i]) => (
        <span>
          {multi ? `#${i + 1}: ` : ''}
          <a href={href('/api/v1/render', r, { ...image, format: 'png' })} target="_blank" rel="noopener" data-testid={`png-${i}`}>
            PNG
          </a>{' '}
          · <a href={href('/api/v1/render', r, { ...image, format: 'svg' })} target="_blank" rel="noopener">SVG</a> ·{' '}
          <a href={href('/api/v1/export', r, { format: 'csv' })} data-testid={`csv-${i}`}>
            CSV
          </a>
        </span>
      ))}
    </div>
  );
}

function GraphView({ results, stacked }) {
  const { series, cut } = useMemo(() => {
    const out = [];
    let dropped = 0;
    const multi = results.filter(Boolean).length > 1;
    results.forEach((r, i) => {
      if (!r || r.error || r.tab !== 'graph') return;
      const { resultType, result } = r.data;
      const rows = resultType === 'matrix' ? result : [];
      for (const m of rows) {
        if (out.length >= MAX_GRAPH_SERIES) {
          dropped++;
          continue;
        }
        out.push({ label: `${multi ? `#${i + 1} ` : ''}${seriesName(m.metric)}`, points: m.values || [] });
      }
    });
    return { series: out, cut: dropped };
  }, [results]);

  if (!results.some(Boolean)) return <p class="hint">Type a PromQL expression and press Enter. Try <code>up</code>.</p>;
  return (
    <div class="graph">
      <ResultMeta results={results} />
      {cut > 0 && <div class="warning">{cut} more series not drawn (the chart shows the first {MAX_GRAPH_SERIES}).</div>}
      <ExportLinks results={results} stacked={stacked} />
      {series.length ? (
        <Chart series={series} stacked={stacked} />
      ) : (
        results.some((r) => r && !r.error) && <p class="hint">No data points in this range.</p>
      )}
    </div>
  );
}

function TableView({ results }) {
  if (!results.some(Boolean)) return <p class="hint">Type a PromQL expression and press Enter. Try <code>up</code>.</p>;
  return (
    <div class="table-view">
      <ResultMeta results={results} />
      {results.map((r, i) => {
        if (!r || r.error || r.tab !== 'table') return null;
        const { resultType, result } = r.data;
        return (
          <table class="result" data-testid={`table-${i}`}>
            <thead>
              <tr>
                <th>{results.length > 1 ? `#${i + 1} ` : ''}series</th>
                <th class="num">value</th>
              </tr>
            </thead>
            <tbody>
              {resultType === 'vector' &&
                result.map((s) => (
                  <tr>
                    <td class="series">{seriesName(s.metric)}</td>
                    <td class="num">{formatNumber(Number(s.value[1]), 6)}</td>
                  </tr>
                ))}
              {resultType === 'matrix' &&
                result.map((s) => (
                  <tr>
                    <td class="series">{seriesName(s.metric)}</td>
                    <td class="num">
                      {s.values.map(([t, v]) => (
                        <div>
                          {v} @{t}
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              {(resultType === 'scalar' || resultType === 'string') && (
                <tr>
                  <td class="series">{resultType}</td>
                  <td class="num">{String(result[1])}</td>
                </tr>
              )}
              {resultType === 'vector' && result.length === 0 && (
                <tr>
                  <td colSpan="2" class="hint">
                    Empty result: no series match at this time.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        );
      })}
    </div>
  );
}
