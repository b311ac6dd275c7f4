// The Logs explorer, after Grafana's Explore for Loki: a LogQL query over a
// time range against Vigil's Loki API. A log query lists its lines (newest
// first by default) under a histogram of the log volume by level; a metric
// query (count_over_time, rate, ...) draws a chart. Live tail follows new
// lines over the API's WebSocket. The query, range, end, limit and direction
// live in the URL (/ui/logs?q=...&range=1h&limit=1000), so a view is shared
// by copying the address.

import { Component } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api } from '../lib/api.js';
import { href, navigate } from '../lib/router.js';
import { autoStep, formatDuration, formatTimestamp, parseDuration, parseTime } from '../lib/time.js';
import { formatNumber, seriesName } from '../lib/format.js';
import { color } from '../lib/colors.js';
import {
  LEVELS,
  LEVEL_LABELS,
  commonLabels,
  compactLabels,
  compareNs,
  entryLevel,
  normalizeLevel,
  nsToSeconds,
  nextPageWindow,
  parseLine,
  secondsToNs,
  unseenEntries,
} from '../lib/logfields.js';
import { alignSeries, Chart } from '../components/Chart.jsx';
import { LogqlEditor, isMetricQuery, selectorEqualities } from '../components/LogqlEditor.jsx';
import { ErrorBox, Loading, RangePicker, Warnings } from '../components/common.jsx';

const DEFAULT_LIMIT = 1000;
const LIMITS = [100, 500, 1000, 2000, 5000];
// Live tail keeps this many lines; older ones fall off the bottom.
const TAIL_CAP = 2000;
// Bars in the volume histogram: enough to see bursts, few enough to hover.
const VOLUME_BARS = 120;
const MAX_CHART_SERIES = 500;

// Read by people at a glance, so they follow the usual traffic-light habit.
const LEVEL_COLORS = {
  critical: '#a61e4d',
  error: '#e03131',
  warn: '#f08c00',
  info: '#2f9e44',
  debug: '#1c7ed6',
  trace: '#7048e8',
  unknown: '#868e96',
};

function stateFromUrl(params) {
  const limit = Number(params.get('limit'));
  return {
    q: params.get('q') || '',
    range: params.get('range') || '1h',
    end: params.get('end') || '',
    limit: Number.isInteger(limit) && limit > 0 ? limit : DEFAULT_LIMIT,
    dir: params.get('dir') === 'forward' ? 'forward' : 'backward',
  };
}

function urlFromState(s) {
  const p = new URLSearchParams();
  p.set('q', s.q);
  p.set('range', s.range);
  if (s.end) p.set('end', s.end);
  p.set('limit', String(s.limit));
  if (s.dir === 'forward') p.set('dir', 'forward');
  return `/ui/logs?${p.toString()}`;
}

// [start, end] in Unix seconds.
function window_(s) {
  const end = parseTime(s.end || 'now');
  if (end === null) throw new Error(`end: cannot parse ${JSON.stringify(s.end)} (use now, now-1h, Unix seconds or RFC 3339)`);
  const range = parseDuration(s.range);
  if (range === null || range <= 0) throw new Error(`range: cannot parse ${JSON.stringify(s.range)}`);
  return { start: end - range, end };
}

let nextId = 1;

// Loki streams -> one entry per line, parsed once here rather than on every
// render.
function toEntries(streams) {
  const out = [];
  for (const s of streams || []) {
    const labels = s.stream || {};
    for (const v of s.values || []) {
      const p = parseLine(v[1]);
      out.push({ id: nextId++, ns: String(v[0]), line: v[1], meta: v[2], labels, p, level: entryLevel(labels, p) });
    }
  }
  return out;
}

// The volume histogram's query: the log query counted per bar, split by the
// level label when the streams carry one.
async function loadVolume(q, streams, w) {
  const levelLabel = LEVEL_LABELS.find((k) => streams.some((s) => s.stream && s.stream[k] !== undefined));
  const step = autoStep(w.end - w.start, VOLUME_BARS);
  // The newline keeps the range out of a trailing # comment of the query.
  const inner = `count_over_time(${q}\n[${formatDuration(step)}])`;
  const expr = levelLabel ? `sum by (${levelLabel}) (${inner})` : `sum(${inner})`;
  // Each point counts the step before it: starting one step in, the bars
  // tile [start, end] without counting anything twice.
  const data = await api('/loki/api/v1/query_range', {
    query: expr,
    start: secondsToNs(w.start + step),
    end: secondsToNs(w.end),
    step,
  });
  const rows = data && data.resultType === 'matrix' ? data.result : [];
  const series = rows.map((m) => {
    const value = levelLabel ? m.metric[levelLabel] : undefined;
    const level = normalizeLevel(value) || 'unknown';
    return {
      label: levelLabel ? value || `(no ${levelLabel})` : 'lines',
      level,
      color: levelLabel ? LEVEL_COLORS[level] : color(0),
      points: m.values || [],
    };
  });
  series.sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || a.label.localeCompare(b.label));
  let total = 0;
  for (const s of series) for (const [, v] of s.points) total += Number(v) || 0;
  return { series, total, step, window: w, levelLabel };
}

// Why a tail cannot start, asked before opening the WebSocket: a failed
// handshake tells the browser nothing of the API's message.
async function tailProblem(q) {
  if (!q.trim()) return new Error('Live tail needs a log query, e.g. {job="..."}.');
  if (isMetricQuery(q)) return new Error('Live tail needs a log query (a selector and a pipeline), not a metric query.');
  const now = Date.now() / 1000;
  try {
    await api('/loki/api/v1/query_range', { query: q, limit: 1, start: secondsToNs(now - 1), end: secondsToNs(now) });
  } catch (e) {
    return e;
  }
  return null;
}

// Follows /loki/api/v1/tail while `spec` ({q, limit}) is set; new lines go
// on top.
function useTail(spec) {
  const [st, setSt] = useState({ status: 'off', entries: [], dropped: 0, received: 0, error: null });
  useEffect(() => {
    if (!spec) {
      setSt((x) => ({ ...x, status: x.status === 'off' ? 'off' : 'stopped' }));
      return undefined;
    }
    let ws = null;
    let stopped = false;
    setSt({ status: 'checking', entries: [], dropped: 0, received: 0, error: null });
    tailProblem(spec.q).then((problem) => {
      if (stopped) return;
      if (problem) {
        setSt((x) => ({ ...x, status: 'failed', error: problem }));
        return;
      }
      setSt((x) => ({ ...x, status: 'connecting' }));
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const q = new URLSearchParams({ query: spec.q, limit: String(spec.limit) });
      ws = new WebSocket(`${proto}//${location.host}/loki/api/v1/tail?${q.toString()}`);
      let opened = false;
      ws.onopen = () => {
        opened = true;
        setSt((x) => ({ ...x, status: 'live' }));
      };
      ws.onmessage = (ev) => {
        let msg;
        try {
          msg = JSON.parse(ev.data);
        } catch {
          return;
        }
        const fresh = toEntries(msg.streams).sort((a, b) => compareNs(b.ns, a.ns));
        const dropped = (msg.dropped_entries || []).length;
        if (!fresh.length && !dropped) return;
        setSt((x) => ({
          ...x,
          entries: fresh.concat(x.entries).slice(0, TAIL_CAP),
          dropped: x.dropped + dropped,
          received: x.received + fresh.length,
        }));
      };
      ws.onclose = (ev) => {
        if (stopped) return;
        const why = ev.reason ? `: ${ev.reason}` : '';
        const error = opened
          ? new Error(`The tail was closed by Vigil (code ${ev.code}${why}).`)
          : new Error(`The tail connection failed (code ${ev.code}${why}): too many live tails, or Vigil is unreachable.`);
        setSt((x) => ({ ...x, status: 'failed', error }));
      };
    });
    return () => {
      stopped = true;
      if (!ws) return;
      // Closing while the handshake runs makes the browser log an error.
      if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close(1000);
      else ws.close(1000);
    };
  }, [spec]);
  return st;
}

export function LogsPage({ params }) {
  const fromUrl = useMemo(() => stateFromUrl(params), [params.toString()]);
  const [s, setS] = useState(fromUrl);
  const [result, setResult] = useState(null);
  const [volume, setVolume] = useState(null);
  const [error, setError] = useState(null);
  const [running, setRunning] = useState(false);
  const [live, setLive] = useState(null);
  // 'tail' keeps the tail's lines on screen after it stops, until a run.
  const [mode, setMode] = useState('query');
  const [paging, setPaging] = useState(null);  // "load more": {loading} or {error}
  const [view, setView] = useState({ time: true, labels: true, wrap: true });
  const seq = useRef(0);
  const wrote = useRef('');
  const tail = useTail(live);

  const run = async (state = s, { push = false } = {}) => {
    const url = urlFromState(state);
    wrote.current = url;
    navigate(url, { replace: !push });
    const my = ++seq.current;
    setError(null);
    setPaging(null);
    if (live) {
      // Live mode follows the new query instead of running it once.
      setLive({ q: state.q, limit: state.limit });
      return;
    }
    setMode('query');
    if (!state.q.trim()) {
      setResult(null);
      setVolume(null);
      return;
    }
    let w;
    try {
      w = window_(state);
    } catch (e) {
      setError(e);
      return;
    }
    setRunning(true);
    const t0 = performance.now();
    let warnings = [];
    try {
      const data = await api(
        '/loki/api/v1/query_range',
        {
          query: state.q,
          start: secondsToNs(w.start),
          end: secondsToNs(w.end),
          limit: state.limit,
          direction: state.dir,
          step: autoStep(w.end - w.start),
        },
        { onWarnings: (ws) => (warnings = ws) },
      );
      if (my !== seq.current) return;
      const ms = performance.now() - t0;
      if (data.resultType === 'streams') {
        const streams = data.result || [];
        const entries = toEntries(streams).sort((a, b) => (state.dir === 'forward' ? 1 : -1) * compareNs(a.ns, b.ns));
        const common = commonLabels(streams.map((x) => x.stream || {}));
        setResult({
          kind: 'streams',
          entries,
          streams,
          common,
          limit: state.limit,
          ms,
          warnings,
          window: w,
          q: state.q,
          dir: state.dir,
          more: entries.length >= state.limit,
        });
        setVolume({ loading: true });
        loadVolume(state.q, streams, w)
          .then((v) => my === seq.current && setVolume(v))
          .catch((e) => my === seq.current && setVolume({ error: e }));
      } else {
        setResult({ kind: data.resultType, data, ms, warnings, window: w });
        setVolume(null);
      }
    } catch (e) {
      if (my !== seq.current) return;
      setError(e);
      setResult(null);
      setVolume(null);
    } finally {
      if (my === seq.current) setRunning(false);
    }
  };

  // Arrival, and the browser's back/forward: the URL says what to show.
  useEffect(() => {
    setS(fromUrl);
    const url = urlFromState(fromUrl);
    if (url === wrote.current) return;
    wrote.current = url;
    run(fromUrl);
  }, [fromUrl]);

  const update = (patch, rerun = false) => {
    const next = { ...s, ...patch };
    setS(next);
    if (rerun) run(next);
  };

  const toggleLive = () => {
    if (live) {
      setLive(null);
      return;
    }
    seq.current++;
    setRunning(false);
    setError(null);
    navigate(urlFromState(s), { replace: true });
    setLive({ q: s.q, limit: s.limit });
    setMode('tail');
  };

  // The next `limit` lines after the last one shown (older ones when newest
  // come first), added below it.
  const loadMore = async () => {
    const r = result;
    const my = seq.current;
    setPaging({ loading: true });
    const page = async (inclusive) => {
      const { start, end } = nextPageWindow(r.entries, r.dir, secondsToNs(r.window.start), secondsToNs(r.window.end), inclusive);
      const data = await api('/loki/api/v1/query_range', { query: r.q, start, end, limit: r.limit, direction: r.dir });
      const streams = data.result || [];
      return { streams, fetched: toEntries(streams) };
    };
    try {
      let { streams, fetched } = await page(true);
      // A whole page on the last line's timestamp: step past it.
      if (!unseenEntries(r.entries, fetched).length && fetched.length >= r.limit) ({ streams, fetched } = await page(false));
      const fresh = unseenEntries(r.entries, fetched);
      if (my !== seq.current) return;
      fresh.sort((a, b) => (r.dir === 'forward' ? 1 : -1) * compareNs(a.ns, b.ns));
      const all = [...new Map([...r.streams, ...streams].map((x) => [JSON.stringify(x.stream || {}), x])).values()];
      setResult({
        ...r,
        entries: [...r.entries, ...fresh],
        streams: all,
        common: commonLabels(all.map((x) => x.stream || {})),
        more: fetched.length >= r.limit && fresh.length > 0,
      });
      setPaging(null);
    } catch (e) {
      if (my === seq.current) setPaging({ error: e });
    }
  };

  const zoom = (min, max) => {
    const [from, to] = [Math.floor(min), Math.ceil(max)];
    run({ ...s, end: String(to), range: formatDuration(Math.max(1, to - from)) }, { push: true });
  };

  const metric = useMemo(() => isMetricQuery(s.q), [s.q]);

  return (
    <div class="page logs-page">
      <div class="logs-query">
        <LogqlEditor
          value={s.q}
          onChange={(q) => setS((x) => ({ ...x, q }))}
          onRun={(q) => run({ ...s, q })}
          placeholder='LogQL, e.g. {job="vigil"} |= "error" | logfmt  (Enter runs, Shift+Enter breaks the line)'
        />
        <ErrorBox error={error} where="query" />
      </div>
      <div class="toolbar">
        <button class="primary" onClick={() => run()} disabled={running}>
          {running ? 'Running…' : 'Run'}
        </button>
        <button
          class={`live-toggle${live ? ' on' : ''}`}
          onClick={toggleLive}
          aria-pressed={!!live}
          disabled={!live && metric}
          title={metric ? 'Live tail takes a log query, not a metric query' : 'Follow new lines as they arrive'}
        >
          {live ? '■ Stop live' : '▶ Live'}
        </button>
        {!live && (
          <RangePicker range={s.range} onRange={(range) => update({ range }, true)} end={s.end} onEnd={(end) => update({ end }, true)} />
        )}
        <label>
          Limit
          <select
            value={String(s.limit)}
            onChange={(e) => update({ limit: Number(e.currentTarget.value) }, true)}
            aria-label="line limit"
          >
            {(LIMITS.includes(s.limit) ? LIMITS : [s.limit, ...LIMITS]).map((n) => (
              <option value={String(n)}>{n}</option>
            ))}
          </select>
        </label>
        {!live && (
          <label>
            Order
            <select value={s.dir} onChange={(e) => update({ dir: e.currentTarget.value }, true)} aria-label="direction">
              <option value="backward">Newest first</option>
              <option value="forward">Oldest first</option>
            </select>
          </label>
        )}
        <span class="logs-view-opts">
          {[
            ['time', 'Time'],
            ['labels', 'Labels'],
            ['wrap', 'Wrap lines'],
          ].map(([k, label]) => (
            <label class="check">
              <input type="checkbox" checked={view[k]} onChange={(e) => setView({ ...view, [k]: e.currentTarget.checked })} />
              {label}
            </label>
          ))}
        </span>
      </div>
      {mode === 'tail' ? (
        <TailView tail={tail} live={!!live} q={live ? live.q : s.q} view={view} />
      ) : result ? (
        <ResultView result={result} volume={volume} view={view} onZoom={zoom} onMore={loadMore} paging={paging} />
      ) : (
        !running && !error && <Start onPick={(q) => run({ ...s, q })} />
      )}
    </div>
  );
}

// An empty page offers the streams there are, one click from a query.
function Start({ onPick }) {
  const [labels, setLabels] = useState(null);
  useEffect(() => {
    let gone = false;
    (async () => {
      const names = (await api('/loki/api/v1/labels')) || [];
      const name =
        ['job', 'service_name', 'app', 'source'].find((n) => names.includes(n)) || names.find((n) => !n.startsWith('__'));
      const values = name ? (await api(`/loki/api/v1/label/${encodeURIComponent(name)}/values`)) || [] : [];
      if (!gone) setLabels({ names, name, values });
    })().catch((error) => !gone && setLabels({ error }));
    return () => {
      gone = true;
    };
  }, []);
  return (
    <div class="logs-start">
      <p class="hint">Type a LogQL query and press Enter: a stream selector in braces, then an optional pipeline.</p>
      {labels && labels.error && <ErrorBox error={labels.error} where="labels" />}
      {labels && labels.name && (
        <div>
          <span class="hint">Streams by {labels.name}: </span>
          {labels.values.slice(0, 50).map((v) => {
            const q = `{${labels.name}=${JSON.stringify(v)}}`;
            return (
              <a
                class="logs-chip"
                href={href('logs', { q })}
                onClick={(e) => {
                  e.preventDefault();
                  onPick(q);
                }}
              >
                {v}
              </a>
            );
          })}
        </div>
      )}
      {labels && !labels.error && !labels.name && <p class="hint">No log streams yet in the last hour.</p>}
    </div>
  );
}

function ResultView({ result, volume, view, onZoom, onMore, paging }) {
  if (result.kind !== 'streams') return <MetricView result={result} />;
  const { entries, streams, common, limit, ms } = result;
  // The volume knows the true count; without it, a full page may be cut.
  const hit = result.more && !(volume && volume.total !== undefined && volume.total <= entries.length);
  const commonText = compactLabels(common);
  return (
    <div class="logs-result">
      <Warnings warnings={result.warnings} />
      <VolumePanel volume={volume} shown={entries.length} onZoom={onZoom} />
      <div class="meta" data-testid="logs-meta">
        {entries.length} {entries.length === 1 ? 'line' : 'lines'}
        {hit ? ` (more in the range: load them below, or narrow the query)` : ''} · {streams.length}{' '}
        {streams.length === 1 ? 'stream' : 'streams'} · {ms.toFixed(0)} ms · {formatTimestamp(result.window.start)} →{' '}
        {formatTimestamp(result.window.end)}
        {commonText && (
          <>
            {' '}
            · common labels: <span class="log-labels">{commonText}</span>
          </>
        )}
      </div>
      {entries.length ? <LogLines entries={entries} hide={common} view={view} /> : <p class="hint">No lines match in this range.</p>}
      {hit && (
        <div class="toolbar logs-more">
          <button onClick={onMore} disabled={paging && paging.loading} data-testid="logs-more">
            {paging && paging.loading ? 'Loading…' : `Load ${limit} ${result.dir === 'forward' ? 'newer' : 'older'} lines`}
          </button>
        </div>
      )}
      <ErrorBox error={paging && paging.error} where="more lines" />
    </div>
  );
}

function VolumePanel({ volume, shown, onZoom }) {
  if (!volume) return null;
  if (volume.loading) return <div class="log-volume-box"><Loading when /></div>;
  if (volume.error) return <div class="warning">Log volume: {String(volume.error.message || volume.error)}</div>;
  return (
    <div class="log-volume-box">
      <div class="meta">
        Log volume: {Math.round(volume.total).toLocaleString('en-US')} {volume.total === 1 ? 'line' : 'lines'} in the range
        {volume.total > shown ? `, ${shown} shown` : ''} · {formatDuration(volume.step)} bars
        {volume.levelLabel ? ` by ${volume.levelLabel}` : ''} · drag to zoom
      </div>
      {volume.series.length ? <VolumeChart volume={volume} onZoom={onZoom} /> : null}
    </div>
  );
}

// Stacked bars (uPlot), one colour per level; dragging across them zooms
// the page's range to the selection.
function VolumeChart({ volume, onZoom }) {
  const box = useRef(null);
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;
  useEffect(() => {
    const el = box.current;
    const { series, window: w } = volume;
    const raw = alignSeries(series);
    const data = [raw[0]];
    let below = raw[0].map(() => 0);
    for (let i = 1; i < raw.length; i++) {
      below = raw[i].map((v, j) => below[j] + (v || 0));
      data.push(below);
    }
    const height = 130;
    // A canvas takes no CSS variables: read the theme's colours here.
    const css = getComputedStyle(el);
    const muted = css.getPropertyValue('--muted').trim() || '#888';
    const grid = css.getPropertyValue('--grid').trim() || '#ddd';
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height,
        pxAlign: 0,
        cursor: { drag: { x: true, y: false }, points: { show: false } },
        legend: { show: true, live: true },
        scales: { x: { time: true, range: () => [w.start, w.end] }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
        axes: [
          { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
          {
            stroke: muted,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid, width: 1 },
            size: 50,
            values: (u, splits) => splits.map((v) => formatNumber(v)),
          },
        ],
        series: [
          { label: 'time' },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.color,
            fill: s.color,
            width: 0,
            // A point counts the step before it, so its bar ends there.
            paths: uPlot.paths.bars({ size: [0.9, 80], align: -1 }),
            points: { show: false },
            value: (u, v, si, idx) => (idx === null || idx === undefined ? '—' : formatNumber(raw[si][idx] || 0, 6)),
          })),
        ],
        bands: series.slice(1).map((_, i) => ({ series: [i + 2, i + 1] })),
        hooks: {
          setSelect: [
            (u) => {
              if (u.select.width < 3) return;
              const min = u.posToVal(u.select.left, 'x');
              const max = u.posToVal(u.select.left + u.select.width, 'x');
              u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
              zoomRef.current(min, max);
            },
          ],
        },
      },
      data,
      el,
    );
    const ro = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (Math.abs(width - u.width) > 1) u.setSize({ width, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [volume]);
  return <div class="chart log-volume" ref={box} data-testid="log-volume" />;
}

function MetricView({ result }) {
  const { data, ms, window: w } = result;
  const { series, cut } = useMemo(() => {
    const rows = data.resultType === 'matrix' ? data.result || [] : [];
    return {
      series: rows.slice(0, MAX_CHART_SERIES).map((m) => ({ label: seriesName(m.metric), points: m.values || [] })),
      cut: Math.max(0, rows.length - MAX_CHART_SERIES),
    };
  }, [data]);
  return (
    <div class="graph">
      <Warnings warnings={result.warnings} />
      <div class="meta">
        {series.length} series · {ms.toFixed(0)} ms · {formatTimestamp(w.start)} →{' '}
        {formatTimestamp(w.end)}
      </div>
      {cut > 0 && <div class="warning">{cut} more series not drawn (the chart shows the first {MAX_CHART_SERIES}).</div>}
      {series.length ? <Chart series={series} /> : <p class="hint">No data points in this range.</p>}
    </div>
  );
}

const TAIL_STATES = {
  checking: 'checking the query…',
  connecting: 'connecting…',
  live: 'live',
  stopped: 'stopped',
  failed: 'disconnected',
};

function TailView({ tail, live, q, view }) {
  // Labels the selector fixes are on every line: not worth repeating.
  const hide = useMemo(() => selectorEqualities(q), [q]);
  return (
    <div class="logs-result">
      <div class="meta tail-meta" data-testid="tail-meta">
        <span class={`tail-state ${tail.status}`} role="status">
          {TAIL_STATES[tail.status] || tail.status}
        </span>
        {' '}
        {tail.received} {tail.received === 1 ? 'line' : 'lines'} received
        {tail.received > tail.entries.length ? ` (the newest ${tail.entries.length} kept)` : ''}
        {tail.dropped ? ` · ${tail.dropped} dropped by Vigil` : ''}
        {live ? ' · newest on top' : ''}
      </div>
      <ErrorBox error={tail.error} where="tail" />
      {tail.entries.length ? (
        <LogLines entries={tail.entries} hide={hide} view={view} />
      ) : (
        tail.status === 'live' && <p class="hint">Waiting for lines…</p>
      )}
    </div>
  );
}

function LogLines({ entries, hide, view }) {
  const [open, setOpen] = useState(() => new Set());
  // One function for every row, so rows that did not change skip rendering.
  const toggle = useMemo(() => (id) => {
    // Selecting text to copy it is not a click on the line.
    const sel = window.getSelection && window.getSelection();
    if (sel && sel.toString()) return;
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  }, []);
  const labelText = useMemo(() => new Map(), [hide]);
  const labelsOf = (labels) => {
    if (!labelText.has(labels)) labelText.set(labels, compactLabels(labels, hide));
    return labelText.get(labels);
  };
  return (
    <div class={`log-lines${view.wrap ? '' : ' nowrap'}`} data-testid="log-lines">
      {entries.map((e) => (
        <LogRow
          key={e.id}
          e={e}
          lbl={view.labels ? labelsOf(e.labels) : ''}
          time={view.time}
          open={open.has(e.id)}
          onToggle={toggle}
        />
      ))}
    </div>
  );
}

// A class for shouldComponentUpdate: with thousands of lines, opening one
// must not render them all again.
class LogRow extends Component {
  shouldComponentUpdate(next) {
    const p = this.props;
    return (
      next.e !== p.e || next.open !== p.open || next.lbl !== p.lbl || next.time !== p.time || next.onToggle !== p.onToggle
    );
  }

  render({ e, lbl, time, open, onToggle }) {
    return (
      <div class={`log-row lvl-${e.level}${open ? ' open' : ''}`}>
        <div class="log-main" onClick={() => onToggle(e.id)} title="click for details">
          {time && <span class="log-ts">{formatTimestamp(nsToSeconds(e.ns))}</span>}
          {lbl && <span class="log-labels">{lbl}</span>}
          <span class="log-line">
            {e.p.spans.map((sp) => (sp.c ? <span class={`lf-${sp.c}${sp.l ? ` lvl-${sp.l}` : ''}`}>{sp.t}</span> : sp.t))}
          </span>
        </div>
        {open && <LogDetails e={e} />}
      </div>
    );
  }
}

function LogDetails({ e }) {
  const labels = Object.keys(e.labels).sort();
  const meta = e.meta && typeof e.meta === 'object' ? Object.entries(e.meta.structuredMetadata || e.meta) : [];
  return (
    <table class="log-details">
      <tbody>
        <tr class="sec">
          <th colSpan="2">Stream labels</th>
        </tr>
        {labels.map((k) => (
          <tr>
            <td class="k">{k}</td>
            <td class="v">{e.labels[k]}</td>
          </tr>
        ))}
        {e.p.fields.length > 0 && (
          <tr class="sec">
            <th colSpan="2">Fields ({e.p.format})</th>
          </tr>
        )}
        {e.p.fields.map(([k, v]) => (
          <tr>
            <td class="k">{k}</td>
            <td class="v">{v}</td>
          </tr>
        ))}
        {meta.length > 0 && (
          <tr class="sec">
            <th colSpan="2">Metadata</th>
          </tr>
        )}
        {meta.map(([k, v]) => (
          <tr>
            <td class="k">{k}</td>
            <td class="v">{typeof v === 'string' ? v : JSON.stringify(v)}</td>
          </tr>
        ))}
        <tr class="sec">
          <th colSpan="2">Entry</th>
        </tr>
        <tr>
          <td class="k">timestamp</td>
          <td class="v">
            {e.ns} ns · {new Date(nsToSeconds(e.ns) * 1000).toISOString()}
          </td>
        </tr>
        <tr>
          <td class="k">level</td>
          <td class="v">{e.level}</td>
        </tr>
      </tbody>
    </table>
  );
}
