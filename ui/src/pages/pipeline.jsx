// The pipeline view: Vigil's four layers (collection, processing, storage,
// visualization) drawn as one live map, for learning how a monitoring
// pipeline works by watching this one run. Every number comes from Vigil's
// own /metrics, read every 2 s; a rate is how much a counter grew between two
// readings divided by the time between them. Clicking a part explains it and
// lists its metrics, each linked to the query page. The URL keeps the chosen
// part and rate window (/ui/pipeline?node=tsdb&window=10s).

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { text } from '../lib/api.js';
import { href, navigate } from '../lib/router.js';
import { formatBytes, formatNumber, formatValue } from '../lib/format.js';
import { counterIncrease, isCumulative, labelsMatch, parseMetricsText, seriesKey } from '../lib/metrics_text.js';
import { ErrorBox, usePoll } from '../components/common.jsx';

const POLL_MS = 2000;
// Long enough for the widest rate window and the activity window below.
const KEEP_MS = 130_000;
// A part counts as active if any of its counters grew this recently; less
// would dim parts that work once a minute (cloud polls) between their runs.
const ACTIVITY_S = 120;
const WINDOWS = [
  ['2s', 2, 'last poll (2 s)'],
  ['10s', 10, '10 s'],
  ['30s', 30, '30 s'],
  ['1m', 60, '1 min'],
];
// Scrapes come every 15 s: a window of at least two intervals keeps rates from
// flickering to zero between them.
const DEFAULT_WINDOW = '30s';

const LAYERS = {
  collect: { title: 'Collection', blurb: 'data comes in' },
  process: { title: 'Processing', blurb: 'shaped and checked' },
  store: { title: 'Storage', blurb: 'kept on disk' },
  visual: { title: 'Visualization', blurb: 'read back out' },
};
const LAYER_ORDER = ['collect', 'process', 'store', 'visual'];

// ---------------------------------------------------------------------------
// Readings and rates

// One reading of /metrics, indexed by sample name. `adj` holds each cumulative
// series' growth since the page started reading, with counter resets already
// added back in, so the growth over any window is adj(now) - adj(then).
function makeReading(body, t, prev) {
  const { families, errors } = parseMetricsText(body);
  const byName = new Map();
  const raw = new Map();
  const adj = new Map();
  let series = 0;
  for (const f of families.values()) {
    for (const s of f.samples) {
      series++;
      const key = seriesKey(s.name, s.labels);
      const cum = isCumulative(f, s.name);
      let list = byName.get(s.name);
      if (!list) byName.set(s.name, (list = []));
      list.push({ labels: s.labels, value: s.value, key, cum });
      if (!cum) continue;
      raw.set(key, s.value);
      // The first reading is the baseline: what happened before the page
      // opened is not a rate.
      const grew = prev ? counterIncrease(prev.raw.get(key), s.value) : 0;
      adj.set(key, (prev ? prev.adj.get(key) || 0 : 0) + grew);
    }
  }
  return { t, families, errors, byName, raw, adj, series };
}

// Looks at the newest reading and the oldest one at most `seconds` older.
function makeReader(history, seconds) {
  const cur = history.length ? history[history.length - 1] : null;
  let base = null;
  if (cur) {
    for (const e of history) {
      if (e === cur) break;
      // Half a second of slack: polls land a little late, not early.
      if ((cur.t - e.t) / 1000 <= seconds + 0.5) {
        base = e;
        break;
      }
    }
    if (!base && history.length > 1) base = history[history.length - 2];
  }
  const dt = base ? (cur.t - base.t) / 1000 : 0;
  const ready = dt > 0;
  const list = (name, match) => ((cur && cur.byName.get(name)) || []).filter((s) => labelsMatch(s.labels, match));
  const rateOf = (s) => (ready && s.cum ? Math.max(0, cur.adj.get(s.key) - (base.adj.get(s.key) || 0)) / dt : null);
  const r = {
    cur,
    ready,
    seconds: dt,
    // Whether the history reaches back a whole `seconds` (else a counter that
    // is non-zero since start-up also counts as activity).
    full: !!(cur && history[0] && (cur.t - history[0].t) / 1000 >= seconds - 1),
    has: (fam) => !!cur && cur.families.has(fam),
    family: (fam) => (cur ? cur.families.get(fam) : undefined),
    series: list,
    rateOf,
    value(name, match) {
      const l = list(name, match);
      if (!l.length) return null;
      return l.reduce((a, s) => a + (Number.isFinite(s.value) ? s.value : 0), 0);
    },
    max(name, match) {
      const l = list(name, match).filter((s) => Number.isFinite(s.value));
      return l.length ? Math.max(...l.map((s) => s.value)) : null;
    },
    rate(name, match) {
      if (!ready) return null;
      const l = list(name, match);
      if (!l.length) return null;
      return l.reduce((a, s) => a + (rateOf(s) || 0), 0);
    },
    // Series summed per value of one label: [{key, value, rate}], busiest first.
    group(name, label, match) {
      const out = new Map();
      for (const s of list(name, match)) {
        const k = s.labels[label] === undefined ? '' : s.labels[label];
        const g = out.get(k) || { key: k, value: 0, rate: ready ? 0 : null };
        g.value += Number.isFinite(s.value) ? s.value : 0;
        if (ready) g.rate += rateOf(s) || 0;
        out.set(k, g);
      }
      return [...out.values()].sort((a, b) => (b.rate || 0) - (a.rate || 0) || b.value - a.value);
    },
    labelValues(name, label, match) {
      return [...new Set(list(name, match).map((s) => s.labels[label]).filter((v) => v !== undefined))].sort();
    },
  };
  return r;
}

// Average of a histogram over the window (Δsum / Δcount), or over all time
// when nothing was observed in the window.
function histAvg(r, name, match) {
  const n = r.rate(`${name}_count`, match);
  const s = r.rate(`${name}_sum`, match);
  if (n > 0) return s / n;
  const c = r.value(`${name}_count`, match);
  return c > 0 ? r.value(`${name}_sum`, match) / c : null;
}

// ---------------------------------------------------------------------------
// Formatting

const fmtRate = (v) => (v === null || v === undefined ? '—' : formatNumber(v));
const fmtCount = (v) => {
  if (v === null || v === undefined) return '—';
  // Totals show every unit, so one more request is one more digit changed.
  if (Math.abs(v) < 1e6 && Number.isInteger(v)) return v.toLocaleString('en-US');
  return formatNumber(v, 4);
};
const perS = (v, unit) => `${fmtRate(v)} ${unit}/s`;
// formatBytes leaves sizes under 1 KiB unrounded; a rate of bytes is rarely whole.
const bytes = (v) => {
  if (v === null || v === undefined) return '—';
  return Math.abs(v) < 1024 ? `${formatNumber(v)} B` : formatBytes(v);
};
const bytesPerS = (v) => (v === null ? '—' : `${bytes(v)}/s`);
const seconds = (v) => (v === null || v === undefined ? '—' : formatValue(v, 'seconds'));
const dollars = (v) => (v === null ? '—' : v === 0 ? '$0' : v < 0.01 ? `$${v.toPrecision(2)}` : `$${v.toFixed(2)}`);

// Drops and errors of a part: [{label, rate, total}] from groups or single counters.
const issue = (label, r, name, match) => ({ label, rate: r.rate(name, match), total: r.value(name, match) });
const issuesBy = (r, name, label, match, prefix = '') =>
  r.group(name, label, match).map((g) => ({ label: prefix + (g.key || '(none)'), rate: g.rate, total: g.value }));
// HTTP answers 400 and above, by code.
const httpErrors = (r, match) =>
  issuesBy(r, 'vigil_http_requests_total', 'code', { ...match, code: /[45]\d\d/ }, 'HTTP ');

// ---------------------------------------------------------------------------
// The parts of Vigil. `metrics` lists what the side panel shows (a family
// name and, where only some of its series belong to this part, a matcher
// that also goes into the query links). `main` is the headline rate; `lines`
// the detail rows (their count is fixed so the map never changes shape);
// `issues` the drops and errors by reason.

const LOKI_QUERY_HANDLERS =
  '/loki/api/v1/(query|query_range|labels|label/:name/values|series|index/stats|format_query|tail|status/buildinfo)';
const PROMQL_HANDLERS = '/api/v1/(query|query_range)';
const OTLP_HANDLERS = '/(otlp/)?v1/logs';

const cloudMetricCollectors = (r) => r.labelValues('vigil_cloud_polls_total', 'collector');
const cloudLogSources = (r) => r.labelValues('vigil_cloud_log_records_total', 'source');

const NODES = [
  // --- Collection: metrics
  {
    id: 'scrape',
    layer: 'collect',
    title: 'Scrape',
    sub: 'pulls /metrics pages',
    explain:
      'Vigil pulls metrics: every scrape_interval it fetches each target’s /metrics page over HTTP, the way Prometheus does. ' +
      'Targets come from static lists or service discovery (files, HTTP endpoints). A scrape that cannot fetch or parse ' +
      'its page, or breaks a limit, fails as a whole and sets the target’s up to 0.',
    metrics: () => [
      { name: 'vigil_scrapes_total' },
      { name: 'vigil_scrape_failures_total' },
      { name: 'vigil_scrape_targets' },
      { name: 'vigil_sd_discovered_targets' },
      { name: 'vigil_sd_updates_total' },
      { name: 'vigil_sd_file_read_errors_total' },
      { name: 'vigil_sd_http_failures_total' },
    ],
    main: (r) => ({ value: r.rate('vigil_scrapes_total'), unit: 'scrapes/s' }),
    lines: (r) => [
      `${fmtCount(r.value('vigil_scrape_targets'))} targets · ${fmtCount(r.value('vigil_scrapes_total'))} scrapes so far`,
    ],
    issues: (r) => [
      issue('failed scrapes', r, 'vigil_scrape_failures_total'),
      issue('file SD errors', r, 'vigil_sd_file_read_errors_total'),
      issue('HTTP SD failures', r, 'vigil_sd_http_failures_total'),
    ],
  },
  {
    id: 'host',
    layer: 'collect',
    title: 'Host collector',
    sub: '/proc, /sys',
    explain:
      'A built-in node_exporter: Vigil reads /proc and /sys and renders this machine’s CPU, memory, disk and network ' +
      'figures at /metrics/host, under node_exporter’s metric names. The scrape job “node” fetches that page like any ' +
      'other target (the arrow into Scrape), so each page here is one scrape of this machine.',
    metrics: () => [
      { name: 'vigil_http_requests_total', match: { handler: '/metrics/host' } },
      { name: 'vigil_http_request_duration_seconds', match: { handler: '/metrics/host' } },
    ],
    main: (r) => ({ value: r.rate('vigil_http_requests_total', { handler: '/metrics/host' }), unit: 'pages/s' }),
    lines: (r) => [
      `${seconds(histAvg(r, 'vigil_http_request_duration_seconds', { handler: '/metrics/host' }))} per page · ` +
        `${fmtCount(r.value('vigil_http_requests_total', { handler: '/metrics/host' }))} served`,
    ],
    issues: (r) => httpErrors(r, { handler: '/metrics/host' }),
  },
  {
    id: 'remote_write',
    layer: 'collect',
    title: 'remote_write in',
    sub: 'Prometheus, agents push',
    explain:
      'The push path for metrics: Prometheus, Grafana Agent or an OpenTelemetry Collector POST snappy-compressed ' +
      'protobuf batches to /api/v1/write. Vigil decodes them in place and appends every sample straight to the TSDB; ' +
      'samples the storage refuses are counted by reason and answered with a 400, the rest of the batch is kept.',
    metrics: () => [
      { name: 'vigil_remote_write_samples_received_total' },
      { name: 'vigil_remote_write_samples_appended_total' },
      { name: 'vigil_remote_write_samples_rejected_total' },
      { name: 'vigil_remote_write_invalid_requests_total' },
      { name: 'vigil_remote_write_series_received_total' },
      { name: 'vigil_remote_write_bytes_received_total' },
      { name: 'vigil_remote_write_decoded_bytes_total' },
      { name: 'vigil_remote_write_histograms_dropped_total' },
      { name: 'vigil_remote_write_exemplars_dropped_total' },
      { name: 'vigil_remote_write_metadata_received_total' },
    ],
    main: (r) => ({ value: r.rate('vigil_remote_write_samples_received_total'), unit: 'samples/s' }),
    lines: (r) => [
      `→ ${fmtRate(r.rate('vigil_remote_write_samples_appended_total'))}/s stored · ` +
        `${bytesPerS(r.rate('vigil_remote_write_bytes_received_total'))} in`,
    ],
    issues: (r) => [
      ...issuesBy(r, 'vigil_remote_write_samples_rejected_total', 'reason'),
      ...issuesBy(r, 'vigil_remote_write_invalid_requests_total', 'reason', undefined, 'request '),
      issue('native histograms', r, 'vigil_remote_write_histograms_dropped_total'),
      issue('exemplars ignored', r, 'vigil_remote_write_exemplars_dropped_total'),
    ],
  },
  {
    id: 'cloud',
    layer: 'collect',
    title: 'Cloud metrics',
    sub: 'AWS, Azure, GCP APIs',
    explain:
      'Cloud monitoring APIs have no page to scrape, so collectors poll them (CloudWatch, Azure Monitor, Cloud ' +
      'Monitoring) once per poll_interval and write what they get straight to the TSDB. Every API call is counted, ' +
      'and because these APIs bill per metric requested, Vigil also estimates what the polling costs in dollars.',
    metrics: (r) => {
      const collector = cloudMetricCollectors(r);
      return [
        { name: 'vigil_cloud_polls_total' },
        { name: 'vigil_cloud_api_calls_total', match: { collector } },
        { name: 'vigil_cloud_api_retries_total', match: { collector } },
        { name: 'vigil_cloud_metrics_requested_total' },
        { name: 'vigil_cloud_estimated_cost_dollars_total', match: { collector } },
        { name: 'vigil_cloud_azure_ratelimit_remaining' },
      ];
    },
    main: (r) => ({
      value: r.rate('vigil_cloud_api_calls_total', { collector: cloudMetricCollectors(r) }),
      unit: 'API calls/s',
    }),
    lines: (r) => [
      `${fmtCount(r.value('vigil_cloud_polls_total'))} polls · ` +
        `${dollars(r.value('vigil_cloud_estimated_cost_dollars_total', { collector: cloudMetricCollectors(r) }))} spent`,
    ],
    issues: (r) => [
      ...issuesBy(r, 'vigil_cloud_polls_total', 'result', { result: 'error' }, 'poll '),
      ...issuesBy(r, 'vigil_cloud_api_calls_total', 'result', {
        collector: cloudMetricCollectors(r),
        result: ['throttled', 'error'],
      }),
      issue('retries', r, 'vigil_cloud_api_retries_total', { collector: cloudMetricCollectors(r) }),
    ],
  },
  // --- Collection: logs
  {
    id: 'loki_push',
    layer: 'collect',
    title: 'Loki push',
    sub: 'Promtail, Alloy',
    explain:
      'Log shippers such as Promtail, Grafana Alloy or any Loki client POST streams of log lines to /loki/api/v1/push, ' +
      'exactly as they would to Loki. Each entry becomes one record in Vigil’s event schema and goes to a log ' +
      'pipeline; entries the store refuses are answered to the sender and counted.',
    metrics: () => [
      { name: 'vigil_loki_push_entries_total', match: { protocol: 'loki' } },
      { name: 'vigil_loki_push_rejected_entries_total', match: { protocol: 'loki' } },
      { name: 'vigil_http_requests_total', match: { handler: '/loki/api/v1/push' } },
      { name: 'vigil_http_request_body_bytes_total', match: { handler: '/loki/api/v1/push' } },
    ],
    main: (r) => ({ value: r.rate('vigil_loki_push_entries_total', { protocol: 'loki' }), unit: 'entries/s' }),
    lines: (r) => [
      `${perS(r.rate('vigil_http_requests_total', { handler: '/loki/api/v1/push' }), 'req')} · ` +
        `${bytesPerS(r.rate('vigil_http_request_body_bytes_total', { handler: '/loki/api/v1/push' }))}`,
    ],
    issues: (r) => [
      issue('rejected', r, 'vigil_loki_push_rejected_entries_total', { protocol: 'loki' }),
      ...httpErrors(r, { handler: '/loki/api/v1/push' }),
    ],
  },
  {
    id: 'otlp',
    layer: 'collect',
    title: 'OTLP logs',
    sub: 'OpenTelemetry',
    explain:
      'OpenTelemetry’s protocol for logs: SDKs and the OTel Collector POST log records to /v1/logs (or /otlp/v1/logs) ' +
      'as protobuf or JSON. Resource and record attributes are kept, the severity is mapped, and the records join ' +
      'the same pipelines as every other log.',
    metrics: () => [
      { name: 'vigil_loki_push_entries_total', match: { protocol: 'otlp' } },
      { name: 'vigil_loki_push_rejected_entries_total', match: { protocol: 'otlp' } },
      { name: 'vigil_http_requests_total', match: { handler: new RegExp(OTLP_HANDLERS) } },
      { name: 'vigil_http_request_body_bytes_total', match: { handler: new RegExp(OTLP_HANDLERS) } },
    ],
    main: (r) => ({ value: r.rate('vigil_loki_push_entries_total', { protocol: 'otlp' }), unit: 'records/s' }),
    lines: (r) => [
      `${perS(r.rate('vigil_http_requests_total', { handler: new RegExp(OTLP_HANDLERS) }), 'req')} · ` +
        `${bytesPerS(r.rate('vigil_http_request_body_bytes_total', { handler: new RegExp(OTLP_HANDLERS) }))}`,
    ],
    issues: (r) => [
      issue('rejected', r, 'vigil_loki_push_rejected_entries_total', { protocol: 'otlp' }),
      ...httpErrors(r, { handler: new RegExp(OTLP_HANDLERS) }),
    ],
  },
  {
    id: 'syslog',
    layer: 'collect',
    title: 'Syslog',
    sub: 'TCP, UDP',
    explain:
      'The oldest log protocol: devices and daemons send RFC 5424 or RFC 3164 messages over TCP or UDP to Vigil’s ' +
      'syslog listeners, which parse the header (priority, host, app) and hand each record to a pipeline. Over UDP a ' +
      'message that does not fit is dropped; over TCP a busy pipeline slows the sender down instead.',
    metrics: () => [
      { name: 'vigil_syslog_messages_total' },
      { name: 'vigil_syslog_connections' },
      { name: 'vigil_syslog_framing_errors_total' },
    ],
    main: (r) => ({ value: r.rate('vigil_syslog_messages_total', { result: 'accepted' }), unit: 'messages/s' }),
    lines: (r) => [
      `${fmtCount(r.labelValues('vigil_syslog_messages_total', 'listener').length)} listeners · ` +
        `${fmtCount(r.value('vigil_syslog_connections'))} TCP connections`,
    ],
    issues: (r) => [
      ...issuesBy(r, 'vigil_syslog_messages_total', 'result', { result: ['rejected', 'dropped', 'truncated'] }),
      issue('framing errors', r, 'vigil_syslog_framing_errors_total'),
    ],
  },
  {
    id: 'tail',
    layer: 'collect',
    title: 'File tail',
    sub: 'log files',
    explain:
      'Vigil follows log files the way tail -F does: it reads lines as they are written, notices rotation (rename or ' +
      'truncate) and can join multiline records such as stack traces. Positions are saved with the records, so a ' +
      'restart, even kill -9, neither skips nor repeats a line.',
    metrics: () => [
      { name: 'vigil_tail_lines_total' },
      { name: 'vigil_tail_bytes_read_total' },
      { name: 'vigil_tail_files' },
      { name: 'vigil_tail_rotations_total' },
      { name: 'vigil_tail_errors_total' },
    ],
    main: (r) => ({ value: r.rate('vigil_tail_lines_total'), unit: 'lines/s' }),
    lines: (r) => [`${fmtCount(r.value('vigil_tail_files'))} files · ${bytesPerS(r.rate('vigil_tail_bytes_read_total'))}`],
    issues: (r) => issuesBy(r, 'vigil_tail_errors_total', 'reason'),
  },
  {
    id: 'cloud_logs',
    layer: 'collect',
    title: 'Cloud logs',
    sub: 'CloudWatch, Activity Log',
    explain:
      'Cloud logs and audit events (CloudWatch Logs with CloudTrail and EventBridge, the Azure Activity Log, Cloud ' +
      'Logging) are read by polling their APIs window by window, with the cloud entries’ credentials. Lag is how far ' +
      'behind now the last read ends: clouds publish events late, so Vigil waits before reading a window.',
    metrics: (r) => {
      const collector = cloudLogSources(r);
      return [
        { name: 'vigil_cloud_log_records_total' },
        { name: 'vigil_cloud_log_polls_total' },
        { name: 'vigil_cloud_log_lag_seconds' },
        { name: 'vigil_cloud_api_calls_total', match: { collector } },
        { name: 'vigil_cloud_estimated_cost_dollars_total', match: { collector } },
      ];
    },
    main: (r) => ({ value: r.rate('vigil_cloud_log_records_total'), unit: 'records/s' }),
    lines: (r) => [
      `${fmtCount(r.labelValues('vigil_cloud_log_records_total', 'target').length)} targets · ` +
        `lag ≤ ${seconds(r.max('vigil_cloud_log_lag_seconds'))}`,
    ],
    issues: (r) => [
      ...issuesBy(r, 'vigil_cloud_log_polls_total', 'result', { result: 'error' }, 'poll '),
      ...issuesBy(r, 'vigil_cloud_api_calls_total', 'result', {
        collector: cloudLogSources(r),
        result: ['throttled', 'error'],
      }),
    ],
  },
  // --- Processing
  {
    id: 'relabel',
    layer: 'process',
    title: 'Relabel & limits',
    sub: 'scraped samples',
    explain:
      'Before a scraped sample is stored, relabel_configs shape each target’s labels and metric_relabel_configs can ' +
      'rename or drop series; then limits (sample_limit, label limits) protect the storage. A page that breaks a limit ' +
      'is refused whole (a failed scrape); a sample the TSDB refuses on its own (out of order, duplicate, too old) is ' +
      'counted here by reason while the rest of its page is kept.',
    metrics: () => [
      { name: 'vigil_scrapes_total' },
      { name: 'vigil_scrape_failures_total' },
      { name: 'vigil_scrape_samples_rejected_total' },
    ],
    main: (r) => {
      const all = r.rate('vigil_scrapes_total');
      const failed = r.rate('vigil_scrape_failures_total');
      return { value: all === null ? null : Math.max(0, all - (failed || 0)), unit: 'pages kept/s' };
    },
    lines: (r) => [
      `in ${fmtRate(r.rate('vigil_scrapes_total'))}/s → kept ${fmtRate(
        r.rate('vigil_scrapes_total') === null
          ? null
          : Math.max(0, r.rate('vigil_scrapes_total') - (r.rate('vigil_scrape_failures_total') || 0)),
      )}/s`,
    ],
    issues: (r) => [
      issue('pages refused', r, 'vigil_scrape_failures_total'),
      ...issuesBy(r, 'vigil_scrape_samples_rejected_total', 'reason'),
    ],
  },
  {
    id: 'derived',
    layer: 'process',
    title: 'Metrics from logs',
    sub: 'metric steps',
    explain:
      'A pipeline’s metric step turns log records into time series: the default pipeline counts records per job and ' +
      'severity into vigil_log_records_total. The samples are appended to the TSDB like scraped ones, so PromQL can ' +
      'graph and alert on what the logs say.',
    metrics: () => [{ name: 'vigil_pipeline_derived_samples_total' }, { name: 'vigil_pipeline_derived_flush_errors_total' }],
    main: (r) => ({ value: r.rate('vigil_pipeline_derived_samples_total', { result: 'appended' }), unit: 'samples/s' }),
    lines: (r) => [`${fmtCount(r.value('vigil_pipeline_derived_samples_total', { result: 'appended' }))} samples so far`],
    issues: (r) => [
      issue('rejected', r, 'vigil_pipeline_derived_samples_total', { result: 'rejected' }),
      issue('flush errors', r, 'vigil_pipeline_derived_flush_errors_total'),
    ],
  },
  {
    id: 'logpipe',
    layer: 'process',
    title: 'Log pipelines',
    sub: 'parse, redact, route',
    rows: 2,
    explain:
      'Every log source hands its records to a pipeline. Its steps run in order: parse (JSON, logfmt, regex), ' +
      'normalize time and severity, redact secrets, drop or sample noise, run Lua, derive metrics. Routes then send ' +
      'each surviving record to its sinks: the log store or a forwarder. A failing step does not lose the record: it ' +
      'is kept, tagged with the error, and counted.',
    metrics: () => [
      { name: 'vigil_pipeline_records_total' },
      { name: 'vigil_pipeline_sink_records_total' },
      { name: 'vigil_pipeline_step_errors_total' },
    ],
    main: (r) => ({ value: r.rate('vigil_pipeline_records_total', { result: 'in' }), unit: 'records/s' }),
    lines: (r) => {
      const names = r.labelValues('vigil_pipeline_records_total', 'pipeline');
      return [
        `in ${fmtRate(r.rate('vigil_pipeline_records_total', { result: 'in' }))}/s → out ${fmtRate(
          r.rate('vigil_pipeline_records_total', { result: 'out' }),
        )}/s`,
        `${names.length} ${names.length === 1 ? 'pipeline' : 'pipelines'}${names.length ? `: ${names.join(', ')}` : ''}`,
      ];
    },
    issues: (r) => [
      ...issuesBy(r, 'vigil_pipeline_records_total', 'result', { result: ['dropped', 'sampled_out', 'error'] }),
      ...r
        .series('vigil_pipeline_step_errors_total')
        .map((s) => ({ label: `${s.labels.step} ${s.labels.reason}`, rate: r.rateOf(s), total: s.value })),
      ...issuesBy(r, 'vigil_pipeline_sink_records_total', 'result', { result: ['rejected', 'failed'] }, 'sink '),
    ],
  },
  // --- Storage
  {
    id: 'tsdb',
    layer: 'store',
    title: 'TSDB',
    sub: 'WAL, head, blocks',
    rows: 2,
    explain:
      'Vigil’s time-series database. Each sample is first written to the write-ahead log (so it survives a crash), ' +
      'then into the head: compressed in-memory chunks of the last hours. Each 2 h of data is compacted into an ' +
      'immutable block on disk; blocks are merged as they age and deleted by retention. Samples it refuses (out of ' +
      'order, too old, over a limit) are counted by reason.',
    metrics: () => [
      { name: 'vigil_tsdb_head_samples_appended_total' },
      { name: 'vigil_tsdb_samples_rejected_total' },
      { name: 'vigil_tsdb_head_series' },
      { name: 'vigil_tsdb_head_series_created_total' },
      { name: 'vigil_tsdb_head_chunks_created_total' },
      { name: 'vigil_tsdb_head_out_of_order_samples_appended_total' },
      { name: 'vigil_tsdb_wal_bytes_written_total' },
      { name: 'vigil_tsdb_wal_records_written_total' },
      { name: 'vigil_tsdb_wal_fsync_duration_seconds' },
      { name: 'vigil_tsdb_wal_segment_current' },
      { name: 'vigil_tsdb_wal_writes_failed_total' },
      { name: 'vigil_tsdb_wal_corruptions_total' },
      { name: 'vigil_tsdb_checkpoints_total' },
      { name: 'vigil_tsdb_checkpoints_failed_total' },
      { name: 'vigil_tsdb_storage_blocks_bytes' },
      { name: 'vigil_tsdb_blocks_loaded' },
      { name: 'vigil_tsdb_compactions_total' },
      { name: 'vigil_tsdb_compactions_failed_total' },
      { name: 'vigil_tsdb_retention_blocks_deleted_total' },
    ],
    main: (r) => ({ value: r.rate('vigil_tsdb_head_samples_appended_total'), unit: 'samples/s' }),
    lines: (r) => [
      `${fmtCount(r.value('vigil_tsdb_head_series'))} series in head · WAL ${bytesPerS(
        r.rate('vigil_tsdb_wal_bytes_written_total'),
      )}`,
      `blocks ${bytes(r.value('vigil_tsdb_storage_blocks_bytes'))}` +
        ` in ${fmtCount(r.value('vigil_tsdb_blocks_loaded'))} · ${fmtCount(r.value('vigil_tsdb_compactions_total'))} compactions`,
    ],
    issues: (r) => [
      ...issuesBy(r, 'vigil_tsdb_samples_rejected_total', 'reason'),
      ...issuesBy(r, 'vigil_tsdb_wal_corruptions_total', 'reason', undefined, 'WAL '),
      issue('WAL write failures', r, 'vigil_tsdb_wal_writes_failed_total'),
      issue('checkpoint failures', r, 'vigil_tsdb_checkpoints_failed_total'),
      issue('compaction failures', r, 'vigil_tsdb_compactions_failed_total'),
    ],
  },
  {
    id: 'logstore',
    layer: 'store',
    title: 'Log store',
    sub: 'WAL, zstd chunks',
    rows: 2,
    explain:
      'Where log records rest: grouped into streams by their labels, written to a WAL first, then packed into ' +
      'zstd-compressed chunks with an index of label sets, so a LogQL query reads only the streams it selects. ' +
      'Retention deletes the oldest chunks. Records it refuses are answered to the sender and counted by reason.',
    metrics: () => [
      { name: 'vigil_logstore_entries_appended_total' },
      { name: 'vigil_logstore_bytes_appended_total' },
      { name: 'vigil_logstore_rejected_total' },
      { name: 'vigil_logstore_streams' },
      { name: 'vigil_logstore_chunks' },
      { name: 'vigil_logstore_disk_bytes' },
      { name: 'vigil_logstore_wal_bytes' },
      { name: 'vigil_logstore_retention_deleted_bytes_total' },
    ],
    main: (r) => ({ value: r.rate('vigil_logstore_entries_appended_total'), unit: 'entries/s' }),
    lines: (r) => [
      `${bytesPerS(r.rate('vigil_logstore_bytes_appended_total'))} · ${fmtCount(r.value('vigil_logstore_streams'))} streams`,
      `on disk ${bytes(r.value('vigil_logstore_disk_bytes'))}` +
        ` · ${fmtCount(r.value('vigil_logstore_chunks'))} chunks`,
    ],
    issues: (r) => issuesBy(r, 'vigil_logstore_rejected_total', 'reason'),
  },
  {
    id: 'forward',
    layer: 'store',
    title: 'Forwarders',
    sub: 'to Loki, syslog, HTTP',
    rows: 2,
    explain:
      'Forwarders send records on to another system: a Loki, a syslog server, an HTTP endpoint. Each keeps a queue ' +
      'on disk where records wait until the receiver acknowledges them, so an outage delays data instead of losing ' +
      'it. The queue’s size shows how far behind a forwarder is.',
    metrics: () => [
      { name: 'vigil_forward_records_total' },
      { name: 'vigil_forward_send_errors_total' },
      { name: 'vigil_forward_queue_records' },
      { name: 'vigil_forward_queue_bytes' },
      { name: 'vigil_forward_up' },
    ],
    main: (r) => ({ value: r.rate('vigil_forward_records_total', { result: 'sent' }), unit: 'records/s' }),
    lines: (r) => {
      const n = r.labelValues('vigil_forward_up', 'forwarder').length;
      return [
        `${n} ${n === 1 ? 'forwarder' : 'forwarders'} · ${fmtCount(r.value('vigil_forward_up'))} up`,
        `queue ${fmtCount(r.value('vigil_forward_queue_records'))} records` +
          (r.value('vigil_forward_queue_bytes') === null ? '' : ` (${bytes(r.value('vigil_forward_queue_bytes'))})`),
      ];
    },
    issues: (r) => [
      ...issuesBy(r, 'vigil_forward_send_errors_total', 'reason'),
      issue('rejected', r, 'vigil_forward_records_total', { result: 'rejected' }),
    ],
  },
  // --- Visualization
  {
    id: 'promql',
    layer: 'visual',
    title: 'PromQL engine',
    sub: '/api/v1/query',
    rows: 2,
    explain:
      'PromQL queries arrive on /api/v1/query and /api/v1/query_range, from Grafana, promtool or this UI. The engine ' +
      'parses the expression, waits for a free slot, reads the series it selects from the TSDB and evaluates every ' +
      'step. Samples read per second show how heavy the queries are; failures are counted by reason.',
    metrics: () => [
      { name: 'vigil_promql_query_duration_seconds' },
      { name: 'vigil_promql_query_failures_total' },
      { name: 'vigil_promql_query_samples_total' },
      { name: 'vigil_promql_queries' },
      { name: 'vigil_promql_queries_concurrent_max' },
      { name: 'vigil_http_requests_total', match: { handler: new RegExp(PROMQL_HANDLERS) } },
    ],
    // Every query that got a slot passes the queue once.
    main: (r) => ({
      value: r.rate('vigil_promql_query_duration_seconds_count', { slice: 'queue_time' }),
      unit: 'queries/s',
    }),
    lines: (r) => [
      `${seconds(histAvg(r, 'vigil_promql_query_duration_seconds', { slice: 'inner_eval' }))} avg · ` +
        `${fmtRate(r.rate('vigil_promql_query_samples_total'))} samples read/s`,
      `${fmtCount(r.value('vigil_promql_queries'))} running (max ${fmtCount(r.value('vigil_promql_queries_concurrent_max'))})`,
    ],
    issues: (r) => [
      ...issuesBy(r, 'vigil_promql_query_failures_total', 'reason'),
      ...httpErrors(r, { handler: new RegExp(PROMQL_HANDLERS) }),
    ],
  },
  {
    id: 'remote_read',
    layer: 'visual',
    title: 'remote_read',
    sub: 'Prometheus reads',
    explain:
      'Prometheus’ remote_read lets another Prometheus use Vigil’s data as if it were its own storage: it POSTs label ' +
      'matchers and a time range to /api/v1/read and gets back the raw samples, or chunks streamed as they are read.',
    metrics: () => [
      { name: 'vigil_remote_read_queries_total' },
      { name: 'vigil_remote_read_series_returned_total' },
      { name: 'vigil_remote_read_samples_returned_total' },
      { name: 'vigil_remote_read_responses_total' },
      { name: 'vigil_remote_read_errors_total' },
      { name: 'vigil_remote_read_in_flight' },
    ],
    main: (r) => ({ value: r.rate('vigil_remote_read_queries_total'), unit: 'queries/s' }),
    lines: (r) => [
      `${fmtRate(r.rate('vigil_remote_read_series_returned_total'))} series/s · ` +
        `${fmtRate(r.rate('vigil_remote_read_samples_returned_total'))} samples/s`,
    ],
    issues: (r) => issuesBy(r, 'vigil_remote_read_errors_total', 'reason'),
  },
  {
    id: 'loki_query',
    layer: 'visual',
    title: 'LogQL / Loki API',
    sub: 'queries, tail',
    explain:
      'LogQL queries, label lookups and live tails arrive on Loki’s HTTP API, as Grafana’s Loki data source sends ' +
      'them. A query selects streams by their labels, filters and parses their lines, and can turn them into metrics ' +
      'such as rate() or count_over_time().',
    metrics: () => [
      { name: 'vigil_http_requests_total', match: { handler: new RegExp(LOKI_QUERY_HANDLERS) } },
      { name: 'vigil_http_request_duration_seconds', match: { handler: new RegExp(LOKI_QUERY_HANDLERS) } },
    ],
    main: (r) => ({
      value: r.rate('vigil_http_requests_total', { handler: new RegExp(LOKI_QUERY_HANDLERS) }),
      unit: 'requests/s',
    }),
    lines: (r) => [
      `${seconds(histAvg(r, 'vigil_http_request_duration_seconds', { handler: new RegExp(LOKI_QUERY_HANDLERS) }))} avg · ` +
        `${fmtCount(r.value('vigil_http_requests_total', { handler: new RegExp(LOKI_QUERY_HANDLERS) }))} served`,
    ],
    issues: (r) => httpErrors(r, { handler: new RegExp(LOKI_QUERY_HANDLERS) }),
  },
  {
    id: 'http',
    layer: 'visual',
    title: 'HTTP server',
    sub: 'every API, this page',
    explain:
      'Everything that enters or leaves Vigil over HTTP passes through one server: queries, pushes, the pages scrapes ' +
      'read, and the request this page makes every 2 s to read /metrics (which is why its count never stops moving). ' +
      'Requests are counted by handler and status code; answers of 400 and above are errors.',
    metrics: () => [
      { name: 'vigil_http_requests_total' },
      { name: 'vigil_http_request_duration_seconds' },
      { name: 'vigil_http_request_body_bytes_total' },
      { name: 'vigil_http_connections' },
      { name: 'vigil_http_requests_in_flight' },
    ],
    main: (r) => ({ value: r.rate('vigil_http_requests_total'), unit: 'requests/s' }),
    lines: (r) => [
      `${fmtCount(r.value('vigil_http_requests_total'))} served · ${fmtCount(r.value('vigil_http_connections'))} connections`,
    ],
    issues: (r) => httpErrors(r),
  },
];
const NODE_BY_ID = Object.fromEntries(NODES.map((n) => [n.id, n]));

// The flows between parts, each measured by the counter that best counts
// what crosses it (so the units differ: a scrape moves a page of samples).
const EDGES = [
  {
    from: 'host',
    to: 'scrape',
    kind: 'loop',
    unit: 'pages',
    rate: (r) => r.rate('vigil_http_requests_total', { handler: '/metrics/host' }),
  },
  { from: 'scrape', to: 'relabel', unit: 'pages', rate: (r) => r.rate('vigil_scrapes_total') },
  {
    from: 'relabel',
    to: 'tsdb',
    unit: 'pages',
    rate: (r) => {
      const all = r.rate('vigil_scrapes_total');
      return all === null ? null : Math.max(0, all - (r.rate('vigil_scrape_failures_total') || 0));
    },
  },
  { from: 'remote_write', to: 'tsdb', unit: 'samples', rate: (r) => r.rate('vigil_remote_write_samples_appended_total') },
  { from: 'cloud', to: 'tsdb', unit: 'metrics', rate: (r) => r.rate('vigil_cloud_metrics_requested_total') },
  {
    from: 'loki_push',
    to: 'logpipe',
    unit: 'entries',
    rate: (r) => r.rate('vigil_loki_push_entries_total', { protocol: 'loki' }),
  },
  {
    from: 'otlp',
    to: 'logpipe',
    unit: 'records',
    rate: (r) => r.rate('vigil_loki_push_entries_total', { protocol: 'otlp' }),
  },
  {
    from: 'syslog',
    to: 'logpipe',
    unit: 'messages',
    rate: (r) => r.rate('vigil_syslog_messages_total', { result: 'accepted' }),
  },
  { from: 'tail', to: 'logpipe', unit: 'lines', rate: (r) => r.rate('vigil_tail_lines_total') },
  { from: 'cloud_logs', to: 'logpipe', unit: 'records', rate: (r) => r.rate('vigil_cloud_log_records_total') },
  {
    from: 'logpipe',
    to: 'derived',
    kind: 'up',
    unit: 'samples',
    rate: (r) => r.rate('vigil_pipeline_derived_samples_total'),
  },
  {
    from: 'derived',
    to: 'tsdb',
    unit: 'samples',
    rate: (r) => r.rate('vigil_pipeline_derived_samples_total', { result: 'appended' }),
  },
  {
    from: 'logpipe',
    to: 'logstore',
    unit: 'records',
    rate: (r) => r.rate('vigil_pipeline_sink_records_total', { sink: 'store', result: 'sent' }),
  },
  {
    from: 'logpipe',
    to: 'forward',
    unit: 'records',
    rate: (r) => r.rate('vigil_pipeline_sink_records_total', { sink: (s) => s !== 'store', result: 'sent' }),
  },
  { from: 'tsdb', to: 'promql', unit: 'samples', rate: (r) => r.rate('vigil_promql_query_samples_total') },
  { from: 'tsdb', to: 'remote_read', unit: 'samples', rate: (r) => r.rate('vigil_remote_read_samples_returned_total') },
  {
    from: 'logstore',
    to: 'loki_query',
    unit: 'requests',
    rate: (r) => r.rate('vigil_http_requests_total', { handler: new RegExp(LOKI_QUERY_HANDLERS) }),
  },
  // Out of Vigil: forwarded records leave for other systems, answers for clients.
  { from: 'forward', to: null, unit: 'records', rate: (r) => r.rate('vigil_forward_records_total', { result: 'sent' }) },
  {
    from: 'promql',
    to: null,
    unit: 'queries',
    rate: (r) => r.rate('vigil_promql_query_duration_seconds_count', { slice: 'queue_time' }),
  },
  { from: 'remote_read', to: null, unit: 'queries', rate: (r) => r.rate('vigil_remote_read_queries_total') },
  {
    from: 'loki_query',
    to: null,
    unit: 'requests',
    rate: (r) => r.rate('vigil_http_requests_total', { handler: new RegExp(LOKI_QUERY_HANDLERS) }),
  },
  { from: 'http', to: null, unit: 'requests', rate: (r) => r.rate('vigil_http_requests_total') },
];

// Counters (and histogram counts) of a part, for "did anything happen".
function nodeActive(node, ra) {
  if (!ra.cur) return false;
  for (const m of node.metrics(ra)) {
    const f = ra.family(m.name);
    if (!f) continue;
    const sample = f.type === 'histogram' || f.type === 'summary' ? `${m.name}_count` : m.name;
    if (f.type !== 'counter' && sample === m.name) continue;
    if (ra.rate(sample, m.match) > 0) return true;
    if (!ra.full && ra.value(sample, m.match) > 0) return true;
  }
  return false;
}

// What one part shows now: its headline, detail lines and issues.
function nodeState(node, r, ra) {
  const lines = node.lines(r);
  const issues = node.issues(r).filter((i) => i.total > 0 || i.rate > 0);
  return { main: node.main(r), lines, issues, active: nodeActive(node, ra) };
}

// ---------------------------------------------------------------------------
// Layout: fixed rows, columns as wide as the page allows. Text keeps its pixel
// size (the SVG is not scaled), so the map stays readable at any width and
// scrolls sideways below MIN_WIDTH.

const MIN_WIDTH = 980;
const HEAD = 56;
const GAP_Y = 9;
const LANE_GAP = 20;
const PAD_L = 32;
const PAD_R = 30;
const nodeHeight = (n) => 71 + 15 * (n.rows || 1);

function layout(width) {
  const W = Math.max(MIN_WIDTH, width);
  const gapX = Math.max(52, Math.min(120, W * 0.055));
  const w = (W - PAD_L - PAD_R - 3 * gapX) / 4;
  const colX = (i) => PAD_L + i * (w + gapX);
  const box = {};
  let y = HEAD;
  const stack = (ids, col) => {
    for (const id of ids) {
      const h = nodeHeight(NODE_BY_ID[id]);
      box[id] = { x: colX(col), y, w, h };
      y += h + GAP_Y;
    }
  };
  stack(['scrape', 'host', 'remote_write', 'cloud'], 0);
  y += LANE_GAP;
  stack(['loki_push', 'otlp', 'syslog', 'tail', 'cloud_logs'], 0);
  let bottom = y;
  const mid = (id) => box[id].y + box[id].h / 2;
  // The other columns sit level with what flows into them.
  const column = (col, wants) => {
    let floor = HEAD;
    for (const [id, want] of wants) {
      const h = nodeHeight(NODE_BY_ID[id]);
      const top = Math.max(floor, want() - h / 2);
      box[id] = { x: colX(col), y: top, w, h };
      floor = top + h + 16;
      bottom = Math.max(bottom, floor);
    }
  };
  column(1, [
    ['relabel', () => (mid('scrape') + mid('host')) / 2],
    ['derived', () => (mid('cloud') + mid('loki_push')) / 2 + 14],
    ['logpipe', () => (mid('otlp') + mid('tail')) / 2],
  ]);
  column(2, [
    ['tsdb', () => (mid('host') + mid('remote_write')) / 2],
    ['logstore', () => mid('logpipe') - 48],
    ['forward', () => mid('logpipe') + 70],
  ]);
  column(3, [
    ['promql', () => mid('tsdb') - 54],
    ['remote_read', () => mid('tsdb') + 62],
    ['loki_query', () => mid('logstore')],
    ['http', () => mid('forward') + 64],
  ]);
  return { width: W, height: bottom + 6, box, w, gapX, colX };
}

// Where each edge leaves and enters its boxes: several edges on one side of a
// box spread out instead of meeting in a point.
function edgeGeometry(lay) {
  const outs = {};
  const ins = {};
  for (const e of EDGES) {
    if (e.kind) continue;
    (outs[e.from] = outs[e.from] || []).push(e);
    if (e.to) (ins[e.to] = ins[e.to] || []).push(e);
  }
  const centre = (id) => lay.box[id].y + lay.box[id].h / 2;
  const spread = (id, list, other) => {
    list.sort((a, b) => (other(a) === null ? 0 : other(a)) - (other(b) === null ? 0 : other(b)));
    const b = lay.box[id];
    const step = Math.min(13, (b.h - 30) / Math.max(1, list.length - 1));
    return new Map(list.map((e, i) => [e, b.y + b.h / 2 + (i - (list.length - 1) / 2) * step]));
  };
  const outY = new Map();
  const inY = new Map();
  for (const [id, list] of Object.entries(outs)) {
    for (const [e, y] of spread(id, list, (e) => (e.to ? centre(e.to) : null))) outY.set(e, y);
  }
  for (const [id, list] of Object.entries(ins)) {
    for (const [e, y] of spread(id, list, (e) => centre(e.from))) inY.set(e, y);
  }
  return EDGES.map((e) => {
    const a = lay.box[e.from];
    if (e.kind === 'loop') {
      // The host page is scraped: an arc on the left from Host into Scrape.
      const b = lay.box[e.to];
      const y1 = a.y + a.h / 2;
      const y2 = b.y + b.h / 2;
      const x = a.x;
      const d = `M ${x} ${y1} C ${x - 30} ${y1}, ${x - 30} ${y2}, ${x - 2} ${y2}`;
      return { e, d, lx: x - 24, ly: (y1 + y2) / 2, vertical: true };
    }
    if (e.kind === 'up') {
      const b = lay.box[e.to];
      const x = a.x + a.w / 2;
      return { e, d: `M ${x} ${a.y} L ${x} ${b.y + b.h + 2}`, lx: x + 6, ly: (a.y + b.y + b.h) / 2, vertical: true };
    }
    const x1 = a.x + a.w;
    const y1 = outY.get(e);
    if (!e.to) {
      const x2 = x1 + Math.min(PAD_R, lay.gapX) - 6;
      return { e, d: `M ${x1} ${y1} L ${x2} ${y1}`, lx: x1 + 4, ly: y1 - 6, stub: true };
    }
    const b = lay.box[e.to];
    const x2 = b.x - 2;
    const y2 = inY.get(e);
    const dx = (x2 - x1) / 2;
    return {
      e,
      d: `M ${x1} ${y1} C ${x1 + dx} ${y1}, ${x2 - dx} ${y2}, ${x2} ${y2}`,
      // The label sits on the curve's midpoint.
      lx: (x1 + x2) / 2,
      ly: (y1 + y2) / 2,
    };
  });
}

// Thicker for more per second, on a log scale: flows span six decades.
const edgeWidth = (rate) => (rate > 0 ? Math.min(9, 2 + 1.6 * Math.log10(1 + rate)) : 1.5);
const edgeSpeed = (rate) => (rate >= 100 ? 'fast' : rate >= 2 ? 'mid' : 'slow');

// Text widths as the browser will draw them (SVG text does not wrap or clip),
// to shorten what would overflow a box.
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', sans-serif";
let measureCtx = null;
function textWidth(s, font) {
  if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
  measureCtx.font = `${font} ${FONT}`;
  return measureCtx.measureText(s).width;
}
function fit(s, px, font = '11px') {
  if (textWidth(s, font) <= px) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(`${s.slice(0, mid)}…`, font) <= px) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? `${s.slice(0, lo)}…` : '';
}

// ---------------------------------------------------------------------------
// The page

function useWidth(ref) {
  const [w, setW] = useState(1200);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const measure = () => setW(el.clientWidth);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return w;
}

export function PipelinePage({ params }) {
  const selected = NODE_BY_ID[params.get('node') || ''] ? params.get('node') : '';
  const windowId = WINDOWS.some(([id]) => id === params.get('window')) ? params.get('window') : DEFAULT_WINDOW;
  const windowS = WINDOWS.find(([id]) => id === windowId)[1];
  const setUrl = (patch) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    const q = p.toString();
    navigate(`/ui/pipeline${q ? `?${q}` : ''}`, { replace: true });
  };

  const history = useRef([]);
  const poll = usePoll(
    async () => {
      const t0 = performance.now();
      const body = await text('/metrics');
      // The middle of the request is the best guess of when Vigil read its counters.
      const t = (t0 + performance.now()) / 2;
      const h = history.current;
      h.push(makeReading(body, t, h[h.length - 1]));
      while (h.length > 2 && t - h[0].t > KEEP_MS) h.shift();
      return { n: h.length, t };
    },
    [],
    POLL_MS,
  );

  const wrap = useRef(null);
  const width = useWidth(wrap);
  const lay = useMemo(() => layout(width), [width]);
  const geo = useMemo(() => edgeGeometry(lay), [lay]);

  const h = history.current;
  const r = makeReader(h, windowS);
  const ra = makeReader(h, ACTIVITY_S);
  const states = Object.fromEntries(NODES.map((n) => [n.id, nodeState(n, r, ra)]));
  const cur = r.cur;

  useEffect(() => {
    if (!selected) return undefined;
    const onKey = (e) => e.key === 'Escape' && setUrl({ node: '' });
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selected, params.toString()]);

  return (
    <div class="page pipeline-page">
      <div class="pl-intro">
        <div>
          <h1>How data flows through Vigil</h1>
          <p class="hint">
            Each box is a part of this Vigil, live. Data enters on the left and moves right: it is collected, processed,
            stored, then read back by queries. Every number is read from Vigil’s own <code>/metrics</code> every 2 s; a rate
            is how much a counter grew between two readings. Click a box to learn what it does.
          </p>
        </div>
        <div class="pl-controls">
          <label>
            Rates over
            <select
              value={windowId}
              onChange={(e) => setUrl({ window: e.currentTarget.value === DEFAULT_WINDOW ? '' : e.currentTarget.value })}
            >
              {WINDOWS.map(([id, , label]) => (
                <option value={id}>{label}</option>
              ))}
            </select>
          </label>
          <div class="meta" data-testid="pipeline-status">
            {cur
              ? `${cur.series} series read · ` +
                (r.ready ? `rates over the last ${r.seconds.toFixed(1)} s` : 'first reading: rates after the next one')
              : poll.loading
                ? 'reading /metrics…'
                : ''}
          </div>
        </div>
      </div>
      <ErrorBox error={poll.error} where="metrics" />
      {cur && cur.errors.length > 0 && (
        <div class="warning">
          {cur.errors.length} lines of /metrics could not be read (first: line {cur.errors[0].line}, {cur.errors[0].message}).
        </div>
      )}
      <div class={`pl-layout${selected ? ' with-panel' : ''}`}>
        <div class="pl-map-wrap" ref={wrap}>
          <PipelineMap
            lay={lay}
            geo={geo}
            states={states}
            r={r}
            ra={ra}
            selected={selected}
            onSelect={(id) => setUrl({ node: id === selected ? '' : id })}
          />
          <Legend />
        </div>
        {selected && (
          <SidePanel node={NODE_BY_ID[selected]} state={states[selected]} r={r} onClose={() => setUrl({ node: '' })} />
        )}
      </div>
    </div>
  );
}

function PipelineMap({ lay, geo, states, r, ra, selected, onSelect }) {
  return (
    <svg
      class="pl-map"
      width={lay.width}
      height={lay.height}
      viewBox={`0 0 ${lay.width} ${lay.height}`}
      role="group"
      aria-label="Vigil's pipeline: collection, processing, storage and visualization"
    >
      <defs>
        {[...LAYER_ORDER, 'idle'].map((l) => (
          <marker
            id={`pl-arrow-${l}`}
            class={`pl-arrow ${l}`}
            viewBox="0 0 10 10"
            refX="8"
            refY="5"
            markerUnits="userSpaceOnUse"
            markerWidth="9"
            markerHeight="9"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" />
          </marker>
        ))}
      </defs>
      {LAYER_ORDER.map((l, i) => (
        <g class={`pl-col ${l}`}>
          <rect
            class="pl-col-band"
            x={lay.colX(i) - lay.gapX * 0.22}
            y="4"
            width={lay.w + lay.gapX * 0.44}
            height={lay.height - 8}
            rx="10"
          />
          <text class="pl-col-title" x={lay.colX(i) + 2} y="27">
            {i + 1} · {LAYERS[l].title}
          </text>
          <text class="pl-col-blurb" x={lay.colX(i) + 2} y="43">
            {LAYERS[l].blurb}
          </text>
        </g>
      ))}
      {geo.map((g) => (
        <Edge g={g} r={r} ra={ra} room={g.vertical ? lay.w / 2 : lay.gapX - 10} />
      ))}
      {NODES.map((n) => (
        <Node node={n} box={lay.box[n.id]} state={states[n.id]} selected={selected === n.id} onSelect={onSelect} />
      ))}
    </svg>
  );
}

function Edge({ g, r, ra, room }) {
  const { e } = g;
  const layer = NODE_BY_ID[e.from].layer;
  const rate = e.rate(r);
  const recent = e.rate(ra) > 0 || (!ra.full && rate > 0);
  // Flowing now; flowed in the last two minutes (quiet); or idle (grey).
  const state = rate > 0 ? 'flow' : recent ? 'quiet' : 'idle';
  const label = `${fmtRate(rate)} ${e.unit}/s`;
  // The full label if the gap between columns has room, else just the number.
  const shown = [label, `${fmtRate(rate)}/s`].find((t) => textWidth(t, '10.5px') <= room) || '';
  const target = e.to ? NODE_BY_ID[e.to].title : 'outside Vigil';
  return (
    <g class={`pl-edge ${layer} ${state}`} data-testid={`edge-${e.from}-${e.to || 'out'}`}>
      <title>
        {NODE_BY_ID[e.from].title} → {target}: {label}
      </title>
      <path
        class="pl-edge-base"
        d={g.d}
        stroke-width={edgeWidth(rate)}
        marker-end={`url(#pl-arrow-${state === 'idle' ? 'idle' : layer})`}
      />
      {state === 'flow' && (
        <path class={`pl-edge-dash ${edgeSpeed(rate)}`} d={g.d} stroke-width={Math.max(1.5, edgeWidth(rate) * 0.45)} />
      )}
      {state === 'flow' && !g.stub && e.kind !== 'loop' && shown && (
        <text class="pl-edge-label" x={g.lx} y={g.ly - 5} text-anchor={g.vertical ? 'start' : 'middle'}>
          {shown}
        </text>
      )}
    </g>
  );
}

function Node({ node, box, state, selected, onSelect }) {
  const { x, y, w, h } = box;
  const { main, lines, issues, active } = state;
  const worst = issues.filter((i) => i.rate > 0).sort((a, b) => b.rate - a.rate);
  let issueText;
  let issueClass;
  if (worst.length) {
    issueClass = 'bad';
    issueText = `✕ ${worst.map((i) => `${i.label} ${fmtRate(i.rate)}/s`).join(' · ')}`;
  } else if (issues.length) {
    issueClass = 'past';
    const n = issues.reduce((a, i) => a + (i.total || 0), 0);
    issueText = `none now · ${fmtCount(n)} drops/errors since start`;
  } else {
    issueClass = 'none';
    issueText = 'no drops or errors';
  }
  const subRoom = w - 40 - textWidth(node.title, '650 12.5px');
  const sub = subRoom > 40 ? fit(node.sub, subRoom, '10.5px') : '';
  const open = () => onSelect(node.id);
  return (
    <g
      class={`pl-node ${node.layer}${active ? '' : ' idle'}${selected ? ' on' : ''}`}
      transform={`translate(${x} ${y})`}
      data-testid={`node-${node.id}`}
      role="button"
      tabindex="0"
      aria-pressed={selected ? 'true' : 'false'}
      aria-label={`${node.title}: ${fmtRate(main.value)} ${main.unit}. Show details`}
      onClick={open}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          open();
        }
      }}
    >
      <clipPath id={`pl-clip-${node.id}`}>
        <rect width={w} height={h} rx="8" />
      </clipPath>
      <title>{[`${node.title} (${node.sub})`, `${fmtRate(main.value)} ${main.unit}`, ...lines, issueText].join('\n')}</title>
      <rect class="pl-box" width={w} height={h} rx="8" />
      <rect class="pl-accent" width="5" height={h} clip-path={`url(#pl-clip-${node.id})`} />
      <text class="pl-title" x="15" y="20">
        {node.title}
      </text>
      {sub && (
        <text class="pl-sub" x={w - 10} y="20" text-anchor="end">
          {sub}
        </text>
      )}
      <text class="pl-main" x="15" y="44" data-testid={`rate-${node.id}`}>
        <tspan class="pl-num">{fmtRate(main.value)}</tspan>
        <tspan class="pl-unit" dx="5">
          {main.unit}
        </tspan>
      </text>
      {!active && (
        <text class="pl-idle-tag" x={w - 10} y="44" text-anchor="end">
          idle
        </text>
      )}
      {lines.map((l, i) => (
        <text class="pl-line" x="15" y={62 + 15 * i}>
          {fit(l, w - 24)}
        </text>
      ))}
      <text class={`pl-issue ${issueClass}`} x="15" y={62 + 15 * lines.length}>
        {fit(issueText, w - 24)}
      </text>
    </g>
  );
}

function Legend() {
  return (
    <div class="pl-legend">
      <span>
        <svg width="36" height="10">
          <path class="pl-legend-flow" d="M 2 5 H 34" />
        </svg>
        flowing now (thicker = more per second)
      </span>
      <span>
        <svg width="36" height="10">
          <path class="pl-legend-quiet" d="M 2 5 H 34" />
        </svg>
        flowed in the last 2 min
      </span>
      <span>
        <svg width="36" height="10">
          <path class="pl-legend-idle" d="M 2 5 H 34" />
        </svg>
        idle
      </span>
      <span>
        <span class="pl-legend-dim">Dimmed box:</span> nothing happened there in the last 2 min (or it is not configured)
      </span>
    </div>
  );
}

// ---------------------------------------------------------------------------
// The side panel

// The selector a query link uses: the metric with this part's matchers.
function promSelector(name, match) {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = [];
  for (const [k, v] of Object.entries(match || {})) {
    if (typeof v === 'string') parts.push(`${k}=${JSON.stringify(v)}`);
    else if (v instanceof RegExp) parts.push(`${k}=~${JSON.stringify(v.source)}`);
    else if (Array.isArray(v)) parts.push(`${k}=~${JSON.stringify(v.map(esc).join('|'))}`);
  }
  return parts.length ? `${name}{${parts.join(', ')}}` : name;
}

function queryFor(m, type) {
  if (type === 'counter') return `rate(${promSelector(m.name, m.match)}[1m])`;
  if (type === 'histogram') return `rate(${promSelector(`${m.name}_count`, m.match)}[1m])`;
  return promSelector(m.name, m.match);
}

function SidePanel({ node, state, r, onClose }) {
  const { main, lines, issues } = state;
  return (
    <aside class={`pl-panel ${node.layer}`} data-testid="pipeline-panel" aria-label={`${node.title} details`}>
      <div class="pl-panel-head">
        <span class={`pl-pill ${node.layer}`}>{LAYERS[node.layer].title}</span>
        <button class="icon" onClick={onClose} title="close (Esc)" aria-label="close">
          ✕
        </button>
      </div>
      <h2>{node.title}</h2>
      <p class="pl-explain">{node.explain}</p>
      <div class="pl-now">
        <div class="pl-now-main">
          <span class="big" data-testid="panel-rate">
            {fmtRate(main.value)}
          </span>{' '}
          <span class="hint">{main.unit}</span>
        </div>
        {lines.map((l) => (
          <div class="hint">{l}</div>
        ))}
        {issues.length > 0 && (
          <table class="pl-issues">
            <thead>
              <tr>
                <th>drops and errors</th>
                <th class="num">now /s</th>
                <th class="num">since start</th>
              </tr>
            </thead>
            <tbody>
              {issues.map((i) => (
                <tr class={i.rate > 0 ? 'bad' : ''}>
                  <td>{i.label}</td>
                  <td class="num">{fmtRate(i.rate)}</td>
                  <td class="num">{fmtCount(i.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <h3>Its metrics</h3>
      <p class="hint pl-small">
        Read from <code>/metrics</code>; the names open the query page, where the same metrics (scraped by the job
        “vigil”) can be graphed over time.
      </p>
      {node.metrics(r).map((m) => (
        <MetricBlock m={m} r={r} />
      ))}
    </aside>
  );
}

const MAX_ROWS = 12;

function MetricBlock({ m, r }) {
  const f = r.family(m.name);
  const type = f ? f.type : 'untyped';
  const q = queryFor(m, type);
  const link = (
    <a class="pl-metric-name" href={href('query', { q, range: '15m' })} title={`query: ${q}`}>
      {m.name}
    </a>
  );
  if (!f) {
    return (
      <div class="pl-metric">
        {link}
        <div class="hint pl-small">not exposed now: this part is not configured or has not started.</div>
      </div>
    );
  }
  let rows;
  if (type === 'histogram' || type === 'summary') {
    // One row per label set (le aside): count, its rate and the mean.
    const sets = new Map();
    for (const s of r.series(`${m.name}_count`, m.match)) {
      sets.set(seriesKey('', s.labels), { labels: s.labels, count: s });
    }
    for (const s of r.series(`${m.name}_sum`, m.match)) {
      const e = sets.get(seriesKey('', s.labels));
      if (e) e.sum = s;
    }
    rows = [...sets.values()].map((e) => ({
      labels: e.labels,
      value: e.count.value,
      rate: r.rateOf(e.count),
      extra: e.sum && e.count.value > 0 ? seconds(e.sum.value / e.count.value) : '—',
    }));
  } else {
    rows = r
      .series(m.name, m.match)
      .map((s) => ({ labels: s.labels, value: s.value, rate: s.cum ? r.rateOf(s) : undefined }));
  }
  rows.sort((a, b) => (b.rate || 0) - (a.rate || 0) || b.value - a.value);
  const cumulative = type === 'counter' || type === 'histogram' || type === 'summary';
  const isBytes = /_bytes(_total)?$/.test(m.name);
  const isSeconds = /_seconds$/.test(m.name) && type === 'gauge';
  const show = (v) => (isBytes ? bytes(v) : isSeconds ? seconds(v) : cumulative ? fmtCount(v) : formatNumber(v, 4));
  return (
    <div class="pl-metric" data-testid={`metric-${m.name}`}>
      <div>
        {link} <span class="pl-type">{type}</span>
      </div>
      {f.help && <div class="hint pl-small">{f.help}</div>}
      {rows.length === 0 ? (
        <div class="hint pl-small">no series yet (a labelled family shows its first series once something is counted).</div>
      ) : (
        <table class="pl-series">
          <thead>
            <tr>
              <th>series</th>
              <th class="num">{type === 'histogram' ? 'count' : 'value'}</th>
              {cumulative && <th class="num">/s</th>}
              {type === 'histogram' && <th class="num">mean</th>}
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, MAX_ROWS).map((row) => (
              <tr>
                <td class="series">{labelText(row.labels)}</td>
                <td class="num">{show(row.value)}</td>
                {cumulative && <td class="num">{isBytes && row.rate !== null ? bytesPerS(row.rate) : fmtRate(row.rate)}</td>}
                {type === 'histogram' && <td class="num">{row.extra}</td>}
              </tr>
            ))}
            {rows.length > MAX_ROWS && (
              <tr>
                <td colSpan="4" class="hint">
                  {rows.length - MAX_ROWS} more series (the query page lists them all)
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}

// One span per label, so a long series wraps between labels, not inside one.
function labelText(labels) {
  const keys = Object.keys(labels);
  if (!keys.length) return '(no labels)';
  return keys.map((k) => <span class="pl-label">{`${k}=${JSON.stringify(labels[k])}`}</span>);
}
