// Talks to Vigil's HTTP API (the same origin that served the UI).
//
// Every call resolves to the API's `data` or throws an ApiError carrying the
// API's own message (so a bad query shows exactly what Prometheus' API would
// answer). A network failure also marks the API unreachable, which the app
// shows as a banner until a call succeeds again.

export class ApiError extends Error {
  constructor(message, { status = 0, type = '', unreachable = false } = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.unreachable = unreachable;
  }
}

const listeners = new Set();
let reachable = true;

function setReachable(ok, why) {
  if (ok === reachable) return;
  reachable = ok;
  for (const fn of listeners) fn(ok, why);
}

// Calls fn(ok, why) whenever the API becomes reachable or unreachable.
export function onReachability(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function isReachable() {
  return reachable;
}

function toSearch(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, String(x)));
    else q.append(k, String(v));
  }
  return q;
}

// fetch with the unreachable bookkeeping; returns the Response.
export async function request(path, { params, method = 'GET', body, headers, signal } = {}) {
  const q = toSearch(params);
  let url = path;
  let init = { method, signal, headers: headers || {} };
  if (method === 'POST' && body === undefined) {
    // Long queries go in a form body, as Grafana sends them.
    init.body = q;
  } else {
    if ([...q.keys()].length) url += (url.includes('?') ? '&' : '?') + q.toString();
    if (body !== undefined) init.body = body;
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    setReachable(false, String(err && err.message ? err.message : err));
    throw new ApiError(`Vigil's API is unreachable (${path}): ${err && err.message ? err.message : err}`, {
      unreachable: true,
    });
  }
  setReachable(true);
  return res;
}

// A Prometheus- or Loki-style JSON API call: {"status":"success","data":...}.
export async function api(path, params, opts = {}) {
  const res = await request(path, { params, ...opts });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Loki answers some errors in plain text.
  }
  if (!res.ok || !json || json.status === 'error') {
    const msg = (json && (json.error || json.message)) || text.trim() || `HTTP ${res.status}`;
    throw new ApiError(msg, { status: res.status, type: (json && json.errorType) || '' });
  }
  if (json.warnings && json.warnings.length && opts.onWarnings) opts.onWarnings(json.warnings);
  return json.data;
}

// A plain-text endpoint (e.g. /metrics).
export async function text(path, params, opts = {}) {
  const res = await request(path, { params, ...opts });
  const body = await res.text();
  if (!res.ok) throw new ApiError(body.trim() || `HTTP ${res.status}`, { status: res.status });
  return body;
}
