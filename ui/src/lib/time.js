// Durations and timestamps as Prometheus writes them ("5m", "1h30m",
// RFC 3339 or Unix seconds), and the step a range query should use.

const UNITS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

// "1h30m" -> 5400 (seconds); null when not a duration.
export function parseDuration(text) {
  const s = String(text || '').trim();
  if (!s) return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+)(ms|s|m|h|d|w|y)/g;
  let total = 0;
  let used = 0;
  let m;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNITS[m[2]];
    used += m[0].length;
  }
  return used === s.length && used > 0 ? total : null;
}

// 5400 -> "1h30m"
export function formatDuration(seconds) {
  if (!isFinite(seconds)) return '';
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  let rest = Math.round(seconds);
  let out = '';
  for (const [u, n] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return out || '0s';
}

// A time as the API accepts it: "now", Unix seconds, or RFC 3339 -> seconds.
export function parseTime(text, now = Date.now() / 1000) {
  const s = String(text || '').trim();
  if (!s || s === 'now') return now;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const rel = /^now-(.+)$/.exec(s);
  if (rel) {
    const d = parseDuration(rel[1]);
    return d === null ? null : now - d;
  }
  const ms = Date.parse(s);
  return isNaN(ms) ? null : ms / 1000;
}

// About `points` steps over the range, rounded to a readable duration, never
// below one second (Grafana and Prometheus' UI do the same).
export function autoStep(rangeSeconds, points = 250) {
  const raw = Math.max(1, rangeSeconds / points);
  const nice = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
  for (const n of nice) if (n >= raw) return n;
  return Math.ceil(raw / 86400) * 86400;
}

export function formatTimestamp(seconds) {
  const d = new Date(seconds * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}
