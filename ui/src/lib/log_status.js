// The last error of each log source and sink, from /api/v1/status/logs,
// joined into the Health page's rows (which come from /metrics). Kept apart
// from the page so node --test can run it without a browser.

export function statusKey(kind, name, target = '') {
  return `${kind}\u0000${name}\u0000${target}`;
}

const STATUS_KINDS = {
  file: 'File tail',
  syslog: 'Syslog',
  cloud: 'Cloud logs',
  push: 'Push',
  store: 'Log store',
  forwarder: 'Forwarder',
};

// The Health page's "not configured" names -> the kinds of the rows.
const ABSENT_KINDS = {
  'file tail': 'File tail',
  syslog: 'Syslog',
  'cloud logs': 'Cloud logs',
  forwarders: 'Forwarder',
};

// Joins /api/v1/status/logs ({sources, sinks}: [{kind, name, target?,
// pipeline?, health?, lastError, lastErrorTime, errorCount}]) into the rows
// from /metrics by key. A component the status lists but /metrics has no
// series for yet (a cloud source before its first poll) gets a row of its
// own, so its error still shows. A row whose state comes from its counters
// (idle, active) says "errors" while its last error is recent (within
// recentSec of nowSec): a refused push counts no entries, so no counter
// grows.
export function withLastErrors(rows, status, nowSec = Date.now() / 1000, recentSec = 20) {
  if (!status) return rows;
  const recent = (c) => {
    const t = Date.parse(c.lastErrorTime || '');
    return c.lastError && !isNaN(t) && t / 1000 >= nowSec - recentSec;
  };
  const join = (list, components) => {
    const out = list.map((r) => ({ ...r }));
    const index = new Map(out.map((r, i) => [r.key, i]));
    for (const c of components || []) {
      const key = statusKey(c.kind, c.name, c.target || '');
      const note = {
        lastError: c.lastError || '',
        lastErrorTime: c.lastErrorTime,
        errorCount: c.errorCount || 0,
        pipeline: c.pipeline || '',
      };
      if (index.has(key)) {
        const r = out[index.get(key)];
        Object.assign(r, note, { hasStatus: true });
        if ((r.state === 'idle' || r.state === 'active') && recent(c)) r.state = 'errors';
        continue;
      }
      out.push({
        key,
        kind: STATUS_KINDS[c.kind] || c.kind,
        name: c.target ? `${c.name} · ${c.target}` : c.name,
        state: c.health || (c.lastError ? 'errors' : 'unknown'),
        stats: [],
        rate: null,
        errors: {},
        ...note,
        hasStatus: true,
      });
    }
    return out;
  };
  const sources = join(rows.sources, status.sources);
  const sinks = join(rows.sinks, status.sinks);
  // "Not configured" no longer holds for a kind the status listed.
  const shown = new Set([...sources, ...sinks].map((r) => r.kind));
  const absent = (rows.absent || []).filter((a) => !shown.has(ABSENT_KINDS[a]));
  return { ...rows, sources, sinks, absent };
}
