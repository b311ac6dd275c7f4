// The health page: is every input of Vigil working? Scrape targets and
// cloud collectors (from /api/v1/targets) and the log sources and sinks
// (counts from Vigil's own /metrics, the last error of each from
// /api/v1/status/logs), refreshed every 10 s. The filter and the
// "only unhealthy" toggle live in the URL (/ui/health?filter=...&unhealthy=1).
//
// Numbers about collectors, sources and sinks come from parsing /metrics
// (lib/metrics_text.js), not from PromQL on self-scraped series: /metrics
// answers even when Vigil does not scrape itself, and it is always current.
// Only a collector's samples per poll comes from /api/v1/targets (its
// `cloud` object): /metrics does not carry it.

import { useMemo, useRef, useState } from 'preact/hooks';
import { api, text } from '../lib/api.js';
import { useUrlState } from '../lib/router.js';
import { formatDuration, formatTimestamp } from '../lib/time.js';
import { formatBytes, formatNumber, formatValue } from '../lib/format.js';
import { parseMetricsText } from '../lib/metrics_text.js';
import { statusKey, withLastErrors } from '../lib/log_status.js';
import { ErrorBox, Loading, usePoll } from '../components/common.jsx';

const EVERY_MS = 10_000;
const FIRST_GAP_MS = 2_000;

// ---- /metrics, read by lib/metrics_text.js.

// -> {samples: Map(sample name -> [{labels, value}]), families: Set(family names)}.
// Family names are kept because a source whose series appear only on first
// use (Loki push, OTLP) is still served, and idle, while only its TYPE shows.
export function readMetrics(body) {
  const { families } = parseMetricsText(body);
  const samples = new Map();
  for (const f of families.values()) {
    for (const smp of f.samples) {
      if (!samples.has(smp.name)) samples.set(smp.name, []);
      samples.get(smp.name).push(smp);
    }
  }
  return { samples, families: new Set(families.keys()) };
}

function matches(labels, match) {
  for (const k in match) if (labels[k] !== match[k]) return false;
  return true;
}

// Sum of a metric's series whose labels include `match`; null when none.
function sum(m, name, match = {}) {
  let total = null;
  for (const s of m.samples.get(name) || []) {
    if (matches(s.labels, match)) total = (total || 0) + s.value;
  }
  return total;
}

// {labelValue: sum} over the series matching `match`, by one label.
function by(m, name, label, match = {}) {
  const out = {};
  for (const s of m.samples.get(name) || []) {
    if (!matches(s.labels, match)) continue;
    const k = s.labels[label] || '';
    out[k] = (out[k] || 0) + s.value;
  }
  return out;
}

// Distinct values of a label across several metrics (e.g. every tailer).
function values(m, names, label) {
  const out = new Set();
  for (const n of names) {
    for (const s of m.samples.get(n) || []) if (s.labels[label] !== undefined) out.add(s.labels[label]);
  }
  return [...out].sort();
}

// Increase per second between the previous poll and this one; null on the
// first poll or across a counter reset (Vigil restarted). A series missing
// from the previous poll counts from 0: Vigil creates some on first use.
function rate(cur, prev, dt, name, match) {
  if (!prev || !(dt > 0)) return null;
  const a = sum(prev, name, match) || 0;
  const b = sum(cur, name, match);
  if (b === null || b < a) return null;
  return (b - a) / dt;
}

function increased(cur, prev, name, match) {
  if (!prev) return false;
  const a = sum(prev, name, match) || 0;
  const b = sum(cur, name, match) || 0;
  return b > a;
}

// Cloud log targets poll once a minute or so, far less often than this page
// refreshes: the result of a target's last poll is remembered across
// refreshes ("up" or "down" by which counter grew last), and guessed from
// the totals before any poll has been seen.
function lastPollResults(cur, prev) {
  const out = new Map(prev && prev.lastPoll ? prev.lastPoll : []);
  const totals = new Map();
  for (const smp of cur.samples.get('vigil_cloud_log_polls_total') || []) {
    const k = `${smp.labels.source}\u0000${smp.labels.target}`;
    if (!totals.has(k)) totals.set(k, { source: smp.labels.source, target: smp.labels.target });
  }
  for (const [k, match] of totals) {
    const okGrew = increased(cur, prev, 'vigil_cloud_log_polls_total', { ...match, result: 'success' });
    const errGrew = increased(cur, prev, 'vigil_cloud_log_polls_total', { ...match, result: 'error' });
    if (errGrew && !okGrew) out.set(k, 'down');
    else if (okGrew) out.set(k, 'up');
    else if (!out.has(k)) {
      const ok = sum(cur, 'vigil_cloud_log_polls_total', { ...match, result: 'success' }) || 0;
      const err = sum(cur, 'vigil_cloud_log_polls_total', { ...match, result: 'error' }) || 0;
      if (ok > 0 && err === 0) out.set(k, 'up');
      else if (err > 0 && ok === 0) out.set(k, 'down');
    }
  }
  return out;
}

// ---- Small views.

export function StateBadge({ state, title }) {
  const cls =
    state === 'up' || state === 'active'
      ? 'up'
      : state === 'down' || state === 'errors'
        ? 'down'
        : state === 'no files' || state === 'throttled'
          ? 'warn'
          : 'unknown';
  return (
    <span class={`state ${cls}`} title={title}>
      {state}
    </span>
  );
}

// Go's zero time means "never".
function goTimeSeconds(s) {
  if (!s || s.startsWith('0001-01-01')) return null;
  const ms = Date.parse(s);
  return isNaN(ms) ? null : ms / 1000;
}

function Age({ time }) {
  const t = goTimeSeconds(time);
  if (t === null) return <span class="hint">never</span>;
  const age = Math.max(0, Date.now() / 1000 - t);
  return <span title={formatTimestamp(t)}>{formatDuration(age)} ago</span>;
}

function Labels({ labels }) {
  return (
    <span class="labels">
      {Object.keys(labels || {})
        .sort()
        .map((k) => (
          <span class="label" title={`${k}=${JSON.stringify(labels[k])}`}>
            <span class="k">{k}</span>=<span class="v">{labels[k]}</span>
          </span>
        ))}
    </span>
  );
}

// "timeout ×3, http_5xx ×1" from {reason: count}, counts above zero only.
function reasons(counts) {
  return Object.entries(counts || {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k || '(none)'} ×${formatNumber(n)}`)
    .join(', ');
}

function PerSecond({ v, unit }) {
  if (v === null || v === undefined) return <span class="hint">—</span>;
  // formatBytes keeps every digit below 1 KiB; a rate's fraction is noise.
  if (unit === 'bytes') return <span>{v < 1024 ? `${formatNumber(v)} B/s` : `${formatBytes(v)}/s`}</span>;
  return <span>{formatNumber(v)}/s</span>;
}

// Cloud API calls cost fractions of a cent: keep three significant digits
// instead of rounding them to $0.00.
function formatDollars(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (v >= 1) return `$${v.toFixed(2)}`;
  return `$${v.toLocaleString('en-US', { maximumSignificantDigits: 3, maximumFractionDigits: 10 })}`;
}

// ---- URL state.

function stateFromUrl(params) {
  return { filter: params.get('filter') || '', unhealthy: params.get('unhealthy') === '1' };
}

function urlFromState(s) {
  const p = new URLSearchParams();
  if (s.filter) p.set('filter', s.filter);
  if (s.unhealthy) p.set('unhealthy', '1');
  const q = p.toString();
  return `/ui/health${q ? `?${q}` : ''}`;
}

// Case-insensitive match of the filter against every text a row shows.
function textMatches(filter, ...parts) {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return parts.some((p) => String(p || '').toLowerCase().includes(f));
}

function labelText(labels) {
  return Object.entries(labels || {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

// ---- The page.

export function HealthPage({ params }) {
  const [s, update] = useUrlState(params, stateFromUrl, urlFromState);

  const targets = usePoll(
    async () => ({ ...(await api('/api/v1/targets')), fetchedAt: Date.now() / 1000 }),
    [],
    EVERY_MS,
  );

  // Keeps the previous parse so counters can be turned into rates and
  // "errors since the last refresh".
  const prevRef = useRef(null);
  const metrics = usePoll(
    async () => {
      const fetchOne = async () => ({ ...readMetrics(await text('/metrics')), at: Date.now() / 1000 });
      // On arrival, two reads a moment apart, so states and rates show at
      // once instead of after the first 10 s.
      if (!prevRef.current) {
        prevRef.current = await fetchOne();
        await new Promise((r) => setTimeout(r, FIRST_GAP_MS));
      }
      const cur = await fetchOne();
      const prev = prevRef.current;
      cur.lastPoll = lastPollResults(cur, prev);
      prevRef.current = cur;
      return { cur, prev, dt: cur.at - prev.at };
    },
    [],
    EVERY_MS,
  );

  // Each log source's and sink's last error, as text: /metrics has only
  // counts by reason.
  const logStatus = usePoll(() => api('/api/v1/status/logs'), [], EVERY_MS);

  return (
    <div class="page health-page">
      <div class="toolbar">
        <input
          type="search"
          placeholder="Filter: endpoint, pool, label, error…"
          value={s.filter}
          onInput={(e) => update({ filter: e.currentTarget.value })}
          aria-label="filter"
          size="40"
        />
        <label class="check">
          <input type="checkbox" checked={s.unhealthy} onChange={(e) => update({ unhealthy: e.currentTarget.checked })} />
          Only unhealthy
        </label>
        <span class="meta">
          Refreshed every {EVERY_MS / 1000} s
          {targets.data && ` · updated ${formatTimestamp(targets.data.fetchedAt).slice(11, 19)}`}
        </span>
        <Loading when={targets.loading || metrics.loading || logStatus.loading} />
      </div>
      <ScrapeTargets state={targets} filter={s.filter} unhealthy={s.unhealthy} />
      <CloudCollectors targets={targets} metrics={metrics} filter={s.filter} unhealthy={s.unhealthy} />
      <LogSources metrics={metrics} status={logStatus} filter={s.filter} unhealthy={s.unhealthy} />
    </div>
  );
}

// ---- Scrape targets.

function ScrapeTargets({ state, filter, unhealthy }) {
  const { data, error } = state;
  const groups = useMemo(() => {
    if (!data) return [];
    const pools = new Map();
    for (const t of data.activeTargets || []) {
      // Cloud collectors are listed as targets too; they have their own section.
      if (t.cloud) continue;
      if (!pools.has(t.scrapePool)) pools.set(t.scrapePool, []);
      pools.get(t.scrapePool).push(t);
    }
    for (const p of Object.keys(data.droppedTargetCounts || {})) if (!pools.has(p)) pools.set(p, []);
    return [...pools.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }, [data]);

  const dropped = data ? data.droppedTargetCounts || {} : {};
  const droppedTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
  const all = groups.flatMap(([, ts]) => ts);
  const up = all.filter((t) => t.health === 'up').length;

  return (
    <section class="health-section" data-testid="scrape-targets">
      <h2>
        Scrape targets
        {data && (
          <span class="counts">
            {up}/{all.length} up · {droppedTotal} dropped by relabeling
          </span>
        )}
      </h2>
      <ErrorBox error={error} where="targets" />
      {data && !groups.length && <p class="hint">No scrape_configs: nothing is scraped.</p>}
      {groups.map(([pool, ts]) => {
        const shown = ts.filter(
          (t) =>
            (!unhealthy || t.health !== 'up') &&
            textMatches(filter, pool, t.scrapeUrl, labelText(t.labels), t.lastError, t.health),
        );
        const poolUp = ts.filter((t) => t.health === 'up').length;
        if (!shown.length && (filter || unhealthy)) return null;
        return (
          <details class="pool" open key={pool} data-testid={`pool-${pool}`}>
            <summary>
              <span class="pool-name">{pool}</span>
              <span class={`counts ${poolUp < ts.length ? 'bad' : ''}`}>
                {poolUp}/{ts.length} up
              </span>
              {dropped[pool] > 0 && <span class="counts">{dropped[pool]} dropped</span>}
            </summary>
            {ts.length === 0 ? (
              <p class="hint">Every discovered target was dropped by relabeling.</p>
            ) : (
              <table class="targets">
                <colgroup>
                  <col class="c-endpoint" />
                  <col class="c-state" />
                  <col class="c-labels" />
                  <col class="c-age" />
                  <col class="c-duration" />
                  <col />
                </colgroup>
                <thead>
                  <tr>
                    <th>Endpoint</th>
                    <th>State</th>
                    <th>Labels</th>
                    <th>Last scrape</th>
                    <th class="num">Duration</th>
                    <th>Last error</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((t) => (
                    <tr class={t.health !== 'up' ? 'unhealthy' : ''}>
                      <td class="endpoint">
                        <a href={t.globalUrl || t.scrapeUrl} target="_blank" rel="noopener noreferrer">
                          {t.scrapeUrl}
                        </a>
                      </td>
                      <td>
                        <StateBadge state={t.health} />
                      </td>
                      <td>
                        <Labels labels={t.labels} />
                      </td>
                      <td class="nowrap">
                        <Age time={t.lastScrape} />
                        <div class="hint small">every {t.scrapeInterval}</div>
                      </td>
                      <td class="num nowrap">
                        {goTimeSeconds(t.lastScrape) === null ? '—' : formatValue(t.lastScrapeDuration, 'seconds')}
                      </td>
                      <td class="last-error">{t.lastError}</td>
                    </tr>
                  ))}
                  {!shown.length && (
                    <tr>
                      <td colSpan="6" class="hint">
                        No target of this pool matches the filter.
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            )}
          </details>
        );
      })}
    </section>
  );
}

// ---- Cloud collectors.

// A collector in /api/v1/targets is an active target with a `cloud` object
// (pool "cloud/<provider>/<job>"); its counters in /metrics carry
// {provider, collector=<job>}.
function CloudCollectors({ targets, metrics, filter, unhealthy }) {
  const collectors = targets.data ? (targets.data.activeTargets || []).filter((t) => t.cloud) : [];
  const m = metrics.data;
  if (targets.data && !collectors.length && !targets.error) {
    return (
      <section class="health-section" data-testid="cloud-collectors">
        <h2>Cloud collectors</h2>
        <p class="hint">No cloud_configs: no cloud metrics are collected.</p>
      </section>
    );
  }
  const up = collectors.filter((c) => c.health === 'up').length;
  const shown = collectors.filter(
    (c) =>
      (!unhealthy || c.health !== 'up') &&
      textMatches(filter, c.scrapePool, c.scrapeUrl, c.cloud.provider, c.labels.job, c.lastError, c.health),
  );
  return (
    <section class="health-section" data-testid="cloud-collectors">
      <h2>
        Cloud collectors
        {targets.data && (
          <span class="counts">
            {up}/{collectors.length} up
          </span>
        )}
      </h2>
      <ErrorBox error={targets.error} where="cloud-targets" />
      <ErrorBox error={metrics.error} where="cloud-metrics" />
      {collectors.length > 0 && (
        <table class="collectors">
          <thead>
            <tr>
              <th>Provider</th>
              <th>Job</th>
              <th>State</th>
              <th>Last poll</th>
              <th class="num" title="API calls, from vigil_cloud_api_calls_total by result">
                API calls
              </th>
              <th class="num" title="vigil_cloud_api_retries_total">
                Retries
              </th>
              <th class="num" title="vigil_cloud_estimated_cost_dollars_total, at list prices">
                Est. cost
              </th>
              <th class="num" title="Samples the last poll wrote (vigil_cloud_poll_samples)">
                Samples/poll
              </th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <CollectorRow c={c} m={m} />
            ))}
            {!shown.length && (
              <tr>
                <td colSpan="9" class="hint">
                  No collector matches the filter.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CollectorRow({ c, m }) {
  const match = { provider: c.cloud.provider, collector: c.labels.job };
  const cur = m && m.cur;
  // /metrics first; the targets API's own totals when this Vigil's /metrics
  // lacks the series (e.g. no call made yet since a restart).
  const calls = cur ? by(cur, 'vigil_cloud_api_calls_total', 'result', match) : {};
  const callsTotal = Object.values(calls).reduce((a, b) => a + b, 0);
  const apiCalls = Object.keys(calls).length ? callsTotal : c.cloud.apiCalls;
  const retries = cur ? sum(cur, 'vigil_cloud_api_retries_total', match) : null;
  const costM = cur ? sum(cur, 'vigil_cloud_estimated_cost_dollars_total', match) : null;
  const cost = costM !== null ? costM : c.cloud.estimatedCostUSD;
  const requestedM = cur ? sum(cur, 'vigil_cloud_metrics_requested_total', match) : null;
  const requested = requestedM !== null ? requestedM : c.cloud.metricsRequested;
  const polls = cur ? by(cur, 'vigil_cloud_polls_total', 'result', match) : {};
  const rl =
    cur && c.cloud.provider === 'azure'
      ? by(cur, 'vigil_cloud_azure_ratelimit_remaining', 'type', { collector: c.labels.job })
      : {};
  const callRate = m ? rate(cur, m.prev, m.dt, 'vigil_cloud_api_calls_total', match) : null;
  return (
    <tr class={c.health !== 'up' ? 'unhealthy' : ''} data-testid={`collector-${c.cloud.provider}-${c.labels.job}`}>
      <td>{c.cloud.provider}</td>
      <td>
        <div>{c.labels.job}</div>
        <div class="hint small endpoint" title="the API endpoint polled">
          {c.scrapeUrl}
        </div>
      </td>
      <td>
        <StateBadge state={c.health} />
      </td>
      <td class="nowrap">
        <Age time={c.lastScrape} />
        <div class="hint small">
          every {c.scrapeInterval}
          {goTimeSeconds(c.lastScrape) !== null && ` · took ${formatValue(c.lastScrapeDuration, 'seconds')}`}
        </div>
        {(polls.success > 0 || polls.error > 0) && (
          <div class="hint small">
            polls: {formatNumber(polls.success || 0)} ok, {formatNumber(polls.error || 0)} failed
          </div>
        )}
      </td>
      <td class="num">
        <div>{formatNumber(apiCalls)}</div>
        {Object.keys(calls).some((k) => k !== 'success' && calls[k] > 0) && (
          <div class="hint small">{reasons(calls)}</div>
        )}
        {callRate !== null && (
          <div class="hint small">
            <PerSecond v={callRate} />
          </div>
        )}
      </td>
      <td class="num">{retries === null ? <span class="hint">0</span> : formatNumber(retries)}</td>
      <td class="num">{formatDollars(cost)}</td>
      <td class="num">
        {formatNumber(c.cloud.samplesLastPoll)}
        <div class="hint small">{formatNumber(requested)} metrics requested in all</div>
      </td>
      <td class="last-error">
        {c.lastError}
        {Object.keys(rl).length > 0 && (
          <div class="hint small">
            rate limit left: {Object.entries(rl).map(([k, v]) => `${k} ${formatNumber(v)}`).join(', ')}
          </div>
        )}
      </td>
    </tr>
  );
}

// ---- Log sources and sinks.

// Rows for every log source and sink /metrics knows, each
// {key, kind, name, state, stats: [[label, text]], rate, errors}; `key`
// names the component as /api/v1/status/logs does (see statusKey). A state is
// derived from the counters only: Vigil exposes up/down for forwarders
// alone, so the others say "active" (records moved since the last refresh),
// "idle", or "errors" (an error counter grew since the last refresh).
function logRows(cur, prev, dt) {
  const sources = [];
  const sinks = [];
  const activity = (errGrew, moved) => (errGrew ? 'errors' : !prev ? 'unknown' : moved ? 'active' : 'idle');

  for (const t of values(cur, ['vigil_tail_files', 'vigil_tail_lines_total'], 'tailer')) {
    const match = { tailer: t };
    const files = sum(cur, 'vigil_tail_files', match);
    const errGrew = increased(cur, prev, 'vigil_tail_errors_total', match);
    const r = rate(cur, prev, dt, 'vigil_tail_lines_total', match);
    sources.push({
      key: statusKey('file', t),
      kind: 'File tail',
      name: t,
      state: errGrew ? 'errors' : files === 0 ? 'no files' : activity(false, r > 0),
      stats: [
        ['files', formatNumber(files)],
        ['records', formatNumber(sum(cur, 'vigil_tail_lines_total', match))],
        ['read', formatBytes(sum(cur, 'vigil_tail_bytes_read_total', match))],
        ['rotations', reasons(by(cur, 'vigil_tail_rotations_total', 'kind', match)) || '0'],
      ],
      rate: r,
      bytesRate: rate(cur, prev, dt, 'vigil_tail_bytes_read_total', match),
      errors: by(cur, 'vigil_tail_errors_total', 'reason', match),
    });
  }

  for (const l of values(cur, ['vigil_syslog_messages_total', 'vigil_syslog_connections'], 'listener')) {
    const match = { listener: l };
    const results = by(cur, 'vigil_syslog_messages_total', 'result', match);
    const bad = ['rejected', 'dropped'];
    const errGrew =
      bad.some((res) => increased(cur, prev, 'vigil_syslog_messages_total', { ...match, result: res })) ||
      increased(cur, prev, 'vigil_syslog_framing_errors_total', match);
    const r = rate(cur, prev, dt, 'vigil_syslog_messages_total', { ...match, result: 'accepted' });
    const framing = sum(cur, 'vigil_syslog_framing_errors_total', match);
    sources.push({
      key: statusKey('syslog', l),
      kind: 'Syslog',
      name: l,
      state: activity(errGrew, r > 0),
      stats: [
        ['accepted', formatNumber(results.accepted || 0)],
        ['truncated', formatNumber(results.truncated || 0)],
        ['TCP connections', formatNumber(sum(cur, 'vigil_syslog_connections', match))],
      ],
      rate: r,
      errors: {
        rejected: results.rejected || 0,
        dropped: results.dropped || 0,
        'framing fallback': framing || 0,
      },
    });
  }

  // The push endpoints create their series on first use; the family alone
  // says the endpoint is served.
  if (cur.families.has('vigil_loki_push_entries_total') || cur.samples.has('vigil_loki_push_entries_total')) {
    const protocols = new Set(['loki', 'otlp', ...values(cur, ['vigil_loki_push_entries_total'], 'protocol')]);
    for (const p of [...protocols].sort()) {
      const match = { protocol: p };
      const r = rate(cur, prev, dt, 'vigil_loki_push_entries_total', match);
      const errGrew = increased(cur, prev, 'vigil_loki_push_rejected_entries_total', match);
      const total = sum(cur, 'vigil_loki_push_entries_total', match);
      sources.push({
        key: statusKey('push', p),
        kind: p === 'otlp' ? 'OTLP logs' : p === 'loki' ? 'Loki push' : `Push (${p})`,
        name: p === 'otlp' ? '/v1/logs' : p === 'loki' ? '/loki/api/v1/push' : p,
        state: total === null && !errGrew ? 'idle' : activity(errGrew, r > 0),
        stats: [['entries', total === null ? 'none pushed yet' : formatNumber(total)]],
        rate: r,
        errors: { rejected: sum(cur, 'vigil_loki_push_rejected_entries_total', match) || 0 },
      });
    }
  }

  const cloudKeys = new Map();
  for (const n of ['vigil_cloud_log_records_total', 'vigil_cloud_log_polls_total', 'vigil_cloud_log_lag_seconds']) {
    for (const smp of cur.samples.get(n) || []) {
      const k = `${smp.labels.source}\u0000${smp.labels.target}`;
      cloudKeys.set(k, { key: k, source: smp.labels.source, target: smp.labels.target });
    }
  }
  for (const { key, ...match } of [...cloudKeys.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const polls = by(cur, 'vigil_cloud_log_polls_total', 'result', match);
    const r = rate(cur, prev, dt, 'vigil_cloud_log_records_total', match);
    // Unlike the other sources this is a real up/down: the last poll's result.
    const state = (cur.lastPoll && cur.lastPoll.get(key)) || 'unknown';
    const lag = sum(cur, 'vigil_cloud_log_lag_seconds', match);
    // The source's API calls and cost are counted per source, not per target.
    const api = { collector: match.source };
    const calls = sum(cur, 'vigil_cloud_api_calls_total', api);
    const cost = sum(cur, 'vigil_cloud_estimated_cost_dollars_total', api);
    sources.push({
      key: statusKey('cloud', match.source, match.target),
      kind: 'Cloud logs',
      name: `${match.source} · ${match.target}`,
      state,
      stats: [
        ['records', formatNumber(sum(cur, 'vigil_cloud_log_records_total', match))],
        ['polls', `${formatNumber(polls.success || 0)} ok`],
        ['lag', lag === null ? '—' : formatDuration(lag)],
        ...(calls === null ? [] : [['source API calls', formatNumber(calls)]]),
        ...(cost === null ? [] : [['source cost', formatDollars(cost)]]),
      ],
      rate: r,
      errors: { 'failed polls': polls.error || 0 },
    });
  }

  if (cur.samples.has('vigil_logstore_entries_appended_total')) {
    const r = rate(cur, prev, dt, 'vigil_logstore_entries_appended_total', {});
    const errGrew = increased(cur, prev, 'vigil_logstore_rejected_total', {});
    sinks.push({
      key: statusKey('store', 'local'),
      kind: 'Log store',
      name: 'local',
      state: activity(errGrew, r > 0),
      stats: [
        ['entries', formatNumber(sum(cur, 'vigil_logstore_entries_appended_total'))],
        ['appended', formatBytes(sum(cur, 'vigil_logstore_bytes_appended_total'))],
        ['on disk', formatBytes(sum(cur, 'vigil_logstore_disk_bytes'))],
        ['streams', formatNumber(sum(cur, 'vigil_logstore_streams'))],
      ],
      rate: r,
      bytesRate: rate(cur, prev, dt, 'vigil_logstore_bytes_appended_total', {}),
      errors: by(cur, 'vigil_logstore_rejected_total', 'reason'),
    });
  }

  const fwNames = values(
    cur,
    ['vigil_forward_up', 'vigil_forward_records_total', 'vigil_forward_queue_bytes', 'vigil_forward_queue_records'],
    'forwarder',
  );
  for (const f of fwNames) {
    const match = { forwarder: f };
    const up = sum(cur, 'vigil_forward_up', match);
    const recs = by(cur, 'vigil_forward_records_total', 'result', match);
    sinks.push({
      key: statusKey('forwarder', f),
      kind: 'Forwarder',
      name: f,
      state: up === null ? 'unknown' : up > 0 ? 'up' : 'down',
      stats: [
        ['sent', formatNumber(recs.sent || 0)],
        ['queued', `${formatNumber(sum(cur, 'vigil_forward_queue_records', match) || 0)} records`],
        ['queue', formatBytes(sum(cur, 'vigil_forward_queue_bytes', match) || 0)],
      ],
      rate: rate(cur, prev, dt, 'vigil_forward_records_total', { ...match, result: 'sent' }),
      errors: { ...by(cur, 'vigil_forward_send_errors_total', 'reason', match), rejected: recs.rejected || 0 },
    });
  }

  const sinkKeys = new Map();
  for (const smp of cur.samples.get('vigil_pipeline_sink_records_total') || []) {
    const { pipeline, sink } = smp.labels;
    sinkKeys.set(`${pipeline}\u0000${sink}`, { pipeline, sink });
  }
  for (const match of sinkKeys.values()) {
    const res = by(cur, 'vigil_pipeline_sink_records_total', 'result', match);
    const errGrew = ['rejected', 'failed'].some((x) =>
      increased(cur, prev, 'vigil_pipeline_sink_records_total', { ...match, result: x }),
    );
    const r = rate(cur, prev, dt, 'vigil_pipeline_sink_records_total', { ...match, result: 'sent' });
    sinks.push({
      kind: 'Pipeline sink',
      name: `${match.pipeline} → ${match.sink}`,
      state: activity(errGrew, r > 0),
      stats: [['sent', formatNumber(res.sent || 0)]],
      rate: r,
      errors: { rejected: res.rejected || 0, failed: res.failed || 0 },
    });
  }

  // Kinds whose metrics appear only once one is configured.
  const absent = [];
  if (!sources.some((r) => r.kind === 'File tail')) absent.push('file tail');
  if (!sources.some((r) => r.kind === 'Syslog')) absent.push('syslog');
  if (!sources.some((r) => r.kind === 'Cloud logs')) absent.push('cloud logs');
  if (!sinks.some((r) => r.kind === 'Forwarder')) absent.push('forwarders');
  return { sources, sinks, absent };
}

const UNHEALTHY = new Set(['down', 'errors', 'no files']);

function LogSources({ metrics, status, filter, unhealthy }) {
  const { data, error } = metrics;
  const rows = useMemo(
    () => (data ? withLastErrors(logRows(data.cur, data.prev, data.dt), status.data) : null),
    [data, status.data],
  );
  const keep = (r) =>
    (!unhealthy || UNHEALTHY.has(r.state)) &&
    textMatches(
      filter,
      r.kind,
      r.name,
      r.state,
      reasons(r.errors),
      r.lastError || '',
      ...r.stats.map(([k, v]) => `${k} ${v}`),
    );
  return (
    <section class="health-section" data-testid="log-sources">
      <h2>Log sources and sinks</h2>
      <ErrorBox error={error} where="metrics" />
      <ErrorBox error={status.error} where="/api/v1/status/logs" />
      {rows && (
        <>
          <LogTable
            title="Sources"
            rows={rows.sources.filter(keep)}
            total={rows.sources.length}
            testid="log-sources-table"
          />
          <LogTable title="Sinks" rows={rows.sinks.filter(keep)} total={rows.sinks.length} testid="log-sinks-table" />
          {rows.absent.length > 0 && <p class="hint small">Not configured (no metrics): {rows.absent.join(', ')}.</p>}
          <p class="hint small">
            Counts from Vigil's /metrics, last errors from /api/v1/status/logs. Forwarders report up/down themselves
            and cloud logs show their last poll's result; the other states come from the counters between two
            refreshes (active: records moved; errors: an error counter grew, or an error was noted in the last 20 s). Each source and sink keeps the text of
            its last error; pipeline sinks are counted only.
          </p>
        </>
      )}
    </section>
  );
}

function LastErrorCell({ row, errs }) {
  if (row.lastError) {
    return (
      <>
        <div>{row.lastError}</div>
        <div class="hint small">
          <Age time={row.lastErrorTime} />
          {row.errorCount > 1 && ` · ${formatNumber(row.errorCount)} errors noted`}
          {errs && ` · counted: ${errs}`}
        </div>
      </>
    );
  }
  if (!errs) return <div class="hint">none</div>;
  return (
    <>
      <div>{errs}</div>
      {/* Pipeline sinks keep no text; the others note the errors that matter, not every count. */}
      <div class="hint small">{row.hasStatus ? 'no error text noted' : 'counted only, no text kept'}</div>
    </>
  );
}

function LogTable({ title, rows, total, testid }) {
  return (
    <>
      <h3>
        {title}
        <span class="counts">
          {rows.length === total ? total : `${rows.length} of ${total}`}
        </span>
      </h3>
      {total === 0 ? (
        <p class="hint">None configured.</p>
      ) : (
        <table class="log-sources" data-testid={testid}>
          <thead>
            <tr>
              <th>Kind</th>
              <th>Name</th>
              <th>State</th>
              <th>Counts</th>
              <th class="num" title="since the previous refresh">
                Rate
              </th>
              <th>Errors</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const errs = reasons(r.errors);
              return (
                <tr class={UNHEALTHY.has(r.state) ? 'unhealthy' : ''}>
                  <td class="nowrap">{r.kind}</td>
                  <td class="mono">{r.name}</td>
                  <td>
                    <StateBadge state={r.state} />
                  </td>
                  <td>
                    <span class="stats">
                      {r.stats.map(([k, v]) => (
                        <span>
                          <span class="hint">{k}</span> {v}
                        </span>
                      ))}
                    </span>
                  </td>
                  <td class="num nowrap">
                    <PerSecond v={r.rate} />
                    {r.bytesRate !== undefined && r.bytesRate !== null && (
                      <div class="hint small">
                        <PerSecond v={r.bytesRate} unit="bytes" />
                      </div>
                    )}
                  </td>
                  <td class="last-error" data-testid="log-last-error">
                    <LastErrorCell row={r} errs={errs} />
                  </td>
                </tr>
              );
            })}
            {!rows.length && (
              <tr>
                <td colSpan="6" class="hint">
                  Nothing matches the filter.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </>
  );
}
