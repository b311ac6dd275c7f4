// Numbers for people: 1234567 -> "1.23M", bytes -> "1.2 MiB", a series'
// labels -> `name{a="b"}` as Prometheus prints them.

export function formatNumber(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const a = Math.abs(v);
  if (a === 0) return '0';
  const units = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [n, u] of units) if (a >= n) return `${trim((v / n).toPrecision(digits))}${u}`;
  if (a >= 1) return trim(v.toPrecision(Math.max(digits, String(Math.trunc(a)).length)));
  if (a >= 1e-3) return trim(v.toPrecision(digits));
  return v.toExponential(digits - 1);
}

function trim(s) {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

export function formatBytes(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  if (i > 0) return `${x.toFixed(1)} ${units[i]}`;
  // Under 1 KiB, three significant digits: a rate of 670.98849 B/s reads 671 B.
  // (formatNumber would write 1000 B as "1k B").
  return `${Math.abs(x) >= 1000 ? Math.round(x) : formatNumber(x)} B`;
}

// Formats by a unit name: "bytes", "seconds", "percent", or plain.
export function formatValue(v, unit) {
  if (unit === 'bytes') return formatBytes(v);
  if (unit === 'seconds') return v < 1 && v > 0 ? `${formatNumber(v * 1000)} ms` : `${formatNumber(v)} s`;
  if (unit === 'percent') return `${formatNumber(v)}%`;
  if (unit === 'percentunit') return `${formatNumber(v * 100)}%`;
  return formatNumber(v);
}

// {__name__:"up", job:"x"} -> 'up{job="x"}'
export function seriesName(metric) {
  const { __name__: name = '', ...rest } = metric || {};
  const keys = Object.keys(rest).sort();
  if (!keys.length) return name || '{}';
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(rest[k])}`).join(', ')}}`;
}

// Grafana's legend format: "{{instance}} {{mode}}" -> "host:9100 idle".
export function legendFormat(format, metric) {
  if (!format) return seriesName(metric);
  return format.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, k) => (metric && metric[k]) || '');
}
