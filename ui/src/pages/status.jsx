// The status page: what this Vigil is and holds. TSDB head cardinality
// (/api/v1/status/tsdb), build and runtime info, WAL replay, command-line
// flags and the loaded config, each from its own /api/v1/status/* call so one
// failing endpoint leaves the others readable. The cardinality limit and the
// flag filter live in the URL (/ui/status?limit=20&flag=...).

import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { href, useUrlState } from '../lib/router.js';
import { formatTimestamp } from '../lib/time.js';
import { formatBytes } from '../lib/format.js';
import { ErrorBox, Loading, usePoll } from '../components/common.jsx';

const LIMITS = ['10', '20', '50', '100'];

function stateFromUrl(params) {
  const limit = params.get('limit');
  return { limit: LIMITS.includes(limit) ? limit : '10', flag: params.get('flag') || '' };
}

function urlFromState(s) {
  const p = new URLSearchParams();
  if (s.limit !== '10') p.set('limit', s.limit);
  if (s.flag) p.set('flag', s.flag);
  const q = p.toString();
  return `/ui/status${q ? `?${q}` : ''}`;
}

export function StatusPage({ params }) {
  const [s, update] = useUrlState(params, stateFromUrl, urlFromState);
  // Bumped by Refresh: every section reloads, none on a timer (these change slowly).
  const [tick, setTick] = useState(0);
  return (
    <div class="page status-page">
      <div class="toolbar">
        <button onClick={() => setTick(tick + 1)}>Refresh</button>
        <a href="#tsdb">TSDB</a>
        <a href="#build">Build</a>
        <a href="#runtime">Runtime</a>
        <a href="#flags">Flags</a>
        <a href="#config">Config</a>
      </div>
      <Tsdb limit={s.limit} onLimit={(limit) => update({ limit })} tick={tick} />
      <div class="status-grid">
        <BuildInfo tick={tick} />
        <RuntimeInfo tick={tick} />
        <WalReplay tick={tick} />
      </div>
      <Flags filter={s.flag} onFilter={(flag) => update({ flag })} tick={tick} />
      <Config tick={tick} />
    </div>
  );
}

// ---- TSDB cardinality.

// Prometheus reports an empty head as minTime > maxTime (MaxInt64, MinInt64).
function headRange(h) {
  if (!h || h.minTime > h.maxTime) return null;
  return [h.minTime / 1000, h.maxTime / 1000];
}

function Tsdb({ limit, onLimit, tick }) {
  const { data, error, loading } = usePoll(() => api('/api/v1/status/tsdb', { limit }), [limit, tick]);
  const h = data && data.headStats;
  const range = headRange(h);
  return (
    <section class="status-section" id="tsdb" data-testid="tsdb">
      <h2>
        TSDB head cardinality <Loading when={loading} />
      </h2>
      <ErrorBox error={error} where="tsdb" />
      {h && (
        <div class="cards">
          <div class="card">
            <div class="hint">Series</div>
            <div class="big" data-testid="head-series">
              {h.numSeries.toLocaleString()}
            </div>
          </div>
          <div class="card">
            <div class="hint">Label pairs</div>
            <div class="big">{h.numLabelPairs.toLocaleString()}</div>
          </div>
          <div class="card">
            <div class="hint">Chunks</div>
            <div class="big">{h.chunkCount.toLocaleString()}</div>
          </div>
          <div class="card">
            <div class="hint">Head time range</div>
            {range ? (
              <div class="small">
                <div>{formatTimestamp(range[0])}</div>
                <div>→ {formatTimestamp(range[1])}</div>
              </div>
            ) : (
              <div class="big hint">empty</div>
            )}
          </div>
        </div>
      )}
      {data && (
        <>
          <div class="toolbar">
            <label>
              Top
              <select value={limit} onChange={(e) => onLimit(e.currentTarget.value)} aria-label="top entries">
                {LIMITS.map((l) => (
                  <option value={l}>{l}</option>
                ))}
              </select>
            </label>
          </div>
          <div class="tsdb-tables">
            <StatTable
              title="Metrics by series"
              col="metric"
              rows={data.seriesCountByMetricName}
              link={(name) => href('query', { q: name, tab: 'table' })}
              testid="by-metric"
            />
            <StatTable
              title="Label names by value count"
              col="label"
              rows={data.labelValueCountByLabelName}
              testid="by-label"
            />
            <StatTable
              title="Memory by label name"
              col="label"
              rows={data.memoryInBytesByLabelName}
              format={formatBytes}
              testid="by-memory"
            />
            <StatTable
              title="Label pairs by series"
              col="pair"
              rows={data.seriesCountByLabelValuePair}
              link={pairQuery}
              testid="by-pair"
            />
          </div>
        </>
      )}
    </section>
  );
}

// "job=vigil" -> a query page link for {job="vigil"}.
function pairQuery(pair) {
  const i = pair.indexOf('=');
  if (i <= 0) return null;
  return href('query', { q: `{${pair.slice(0, i)}=${JSON.stringify(pair.slice(i + 1))}}`, tab: 'table' });
}

// A top-N table with a bar per row, sized against the largest value.
function StatTable({ title, col, rows, format = (v) => v.toLocaleString(), link, testid }) {
  const max = Math.max(1, ...(rows || []).map((r) => r.value));
  return (
    <div class="stat-table">
      <h3>{title}</h3>
      <table data-testid={testid}>
        <thead>
          <tr>
            <th>{col}</th>
            <th class="num">value</th>
          </tr>
        </thead>
        <tbody>
          {(rows || []).map((r) => {
            const url = link && link(r.name);
            return (
              <tr>
                <td class="series">
                  {url ? <a href={url}>{r.name}</a> : r.name}
                  <div class="bar" style={{ width: `${(100 * r.value) / max}%` }} />
                </td>
                <td class="num">{format(r.value)}</td>
              </tr>
            );
          })}
          {!(rows || []).length && (
            <tr>
              <td colSpan="2" class="hint">
                Empty head.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

// ---- Build, runtime and WAL replay.

function KeyValues({ rows }) {
  return (
    <table class="kv">
      <tbody>
        {rows.map(([k, v]) => (
          <tr>
            <th>{k}</th>
            <td class="mono">{v === '' || v === null || v === undefined ? <span class="hint">—</span> : v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function BuildInfo({ tick }) {
  const { data, error } = usePoll(() => api('/api/v1/status/buildinfo'), [tick]);
  return (
    <section class="status-section" id="build" data-testid="buildinfo">
      <h2>Build</h2>
      <ErrorBox error={error} where="buildinfo" />
      {data && (
        <KeyValues
          rows={[
            ['version', data.version],
            ['revision', data.revision],
            ['branch', data.branch],
            ['build user', data.buildUser],
            ['build date', data.buildDate],
            // Prometheus' field; for Vigil it names the toolchain.
            ['compiler', data.goVersion],
          ]}
        />
      )}
    </section>
  );
}

function goTime(s) {
  const ms = Date.parse(s);
  return isNaN(ms) || s.startsWith('0001-01-01') ? s : `${formatTimestamp(ms / 1000)}`;
}

function uptime(start, now) {
  const a = Date.parse(start);
  const b = Date.parse(now);
  if (isNaN(a) || isNaN(b)) return '';
  let s = Math.max(0, Math.round((b - a) / 1000));
  const d = Math.floor(s / 86400);
  s %= 86400;
  const h = Math.floor(s / 3600);
  s %= 3600;
  const m = Math.floor(s / 60);
  return `${d ? `${d}d ` : ''}${h}h ${m}m ${s % 60}s`;
}

function RuntimeInfo({ tick }) {
  const { data, error } = usePoll(() => api('/api/v1/status/runtimeinfo'), [tick]);
  return (
    <section class="status-section" id="runtime" data-testid="runtimeinfo">
      <h2>Runtime</h2>
      <ErrorBox error={error} where="runtimeinfo" />
      {data && (
        <KeyValues
          rows={[
            ['start time', goTime(data.startTime)],
            ['uptime', uptime(data.startTime, data.serverTime)],
            ['server time', goTime(data.serverTime)],
            ['hostname', data.hostname],
            ['working directory', data.CWD],
            [
              'config reload',
              <span class={`state ${data.reloadConfigSuccess ? 'up' : 'down'}`}>
                {data.reloadConfigSuccess ? 'successful' : 'failed'}
              </span>,
            ],
            ['last config time', goTime(data.lastConfigTime)],
            ['WAL corruptions', String(data.corruptionCount)],
            ['threads', String(data.goroutineCount)],
            ['cores used', String(data.GOMAXPROCS)],
            ['storage retention', data.storageRetention],
          ]}
        />
      )}
    </section>
  );
}

function WalReplay({ tick }) {
  const { data, error } = usePoll(() => api('/api/v1/status/walreplay'), [tick]);
  const done = data && data.current >= data.max;
  return (
    <section class="status-section" id="walreplay" data-testid="walreplay">
      <h2>WAL replay</h2>
      <ErrorBox error={error} where="walreplay" />
      {data && (
        <>
          <p>
            <span class={`state ${done ? 'up' : 'unknown'}`}>{done ? 'done' : 'replaying'}</span>
          </p>
          <KeyValues
            rows={[
              ['first segment', String(data.min)],
              ['last segment', String(data.max)],
              ['current segment', String(data.current)],
            ]}
          />
          <p class="hint small">The WAL is replayed before Vigil starts to listen, so the API only ever sees it done.</p>
        </>
      )}
    </section>
  );
}

// ---- Flags and config.

function Flags({ filter, onFilter, tick }) {
  const { data, error } = usePoll(() => api('/api/v1/status/flags'), [tick]);
  const f = filter.toLowerCase();
  const rows = data
    ? Object.entries(data)
        .filter(([k, v]) => !f || k.toLowerCase().includes(f) || String(v).toLowerCase().includes(f))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    : [];
  return (
    <section class="status-section" id="flags" data-testid="flags">
      <h2>
        Flags
        {data && (
          <span class="counts">
            {rows.length === Object.keys(data).length ? rows.length : `${rows.length} of ${Object.keys(data).length}`}
          </span>
        )}
      </h2>
      <div class="toolbar">
        <input
          type="search"
          placeholder="Filter flags by name or value"
          value={filter}
          onInput={(e) => onFilter(e.currentTarget.value)}
          aria-label="filter flags"
          size="40"
        />
      </div>
      <ErrorBox error={error} where="flags" />
      {data && (
        <table class="flags">
          <thead>
            <tr>
              <th>flag</th>
              <th>value</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([k, v]) => (
              <tr>
                <td class="mono">{k}</td>
                <td class="mono">{v === '' ? <span class="hint">(empty)</span> : v}</td>
              </tr>
            ))}
            {!rows.length && (
              <tr>
                <td colSpan="2" class="hint">
                  No flag matches.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Config({ tick }) {
  const { data, error } = usePoll(() => api('/api/v1/status/config'), [tick]);
  return (
    <section class="status-section" id="config" data-testid="config">
      <h2>Configuration</h2>
      <ErrorBox error={error} where="config" />
      {data && <pre class="config-yaml">{data.yaml}</pre>}
    </section>
  );
}
