// Reads a log line for the Logs explorer: splits it into highlighted spans
// (logfmt key=value pairs, JSON keys and values, a level word) and lists its
// fields, as Loki's logfmt and json parsers would extract them. Pure
// functions over strings: the page renders the spans as text nodes, so a
// line can never turn into HTML.

// Level words as the log libraries in the wild spell them, to the five
// levels the page colours.
const LEVEL_WORDS = {
  emerg: 'critical',
  emergency: 'critical',
  alert: 'critical',
  crit: 'critical',
  critical: 'critical',
  fatal: 'critical',
  panic: 'critical',
  err: 'error',
  eror: 'error',
  error: 'error',
  warn: 'warn',
  warning: 'warn',
  info: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  dbug: 'debug',
  debug: 'debug',
  trace: 'trace',
};

// Most severe first: the order the volume histogram stacks and lists them.
export const LEVELS = ['critical', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'];

// Stream labels that carry a level (Loki's own detected_level, and OTLP's
// severity text as Vigil labels it, included).
export const LEVEL_LABELS = ['level', 'severity', 'detected_level', 'severity_text'];
// Field names that carry a level inside a line.
const LEVEL_FIELDS = new Set([
  'level', 'lvl', 'severity', 'loglevel', 'log_level', 'levelname', 'severity_text', 'detected_level',
]);

// A level word's level, or '' when it is none.
export function normalizeLevel(word) {
  if (word === null || word === undefined) return '';
  return LEVEL_WORDS[String(word).trim().toLowerCase()] || '';
}

// The level of an entry: its stream's level label first, then a level field
// of the line, then the first level word of a plain text line.
export function entryLevel(labels, parsed) {
  for (const k of LEVEL_LABELS) {
    const l = labels && normalizeLevel(labels[k]);
    if (l) return l;
  }
  return (parsed && parsed.level) || 'unknown';
}

// Whole words only, so "errors" or "information_schema" stay plain.
const LEVEL_WORD_RE = new RegExp(`(^|[^A-Za-z0-9_])(${Object.keys(LEVEL_WORDS).join('|')})(?![A-Za-z0-9_])`, 'i');

// Plain text: marks the first level word (when the line has no level yet).
function textSpans(text, out, state) {
  if (!text) return;
  if (!state.level) {
    const m = LEVEL_WORD_RE.exec(text);
    if (m) {
      const at = m.index + m[1].length;
      state.level = normalizeLevel(m[2]);
      if (at > 0) out.push({ t: text.slice(0, at), c: '' });
      out.push({ t: m[2], c: 'level', l: state.level });
      const rest = text.slice(at + m[2].length);
      if (rest) out.push({ t: rest, c: '' });
      return;
    }
  }
  out.push({ t: text, c: '' });
}

// --- JSON -----------------------------------------------------------------

// Loki's json parser: nested keys joined by "_", arrays left as JSON text.
function flattenJson(value, prefix, out) {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}_${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenJson(v, key, out);
    else out.push([key, typeof v === 'string' ? v : JSON.stringify(v)]);
  }
}

// Tokens of JSON text that parsed already, so the scanner may trust it.
function jsonSpans(text, state) {
  const out = [];
  let i = 0;
  let lastKey = '';
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const tok = text.slice(i, j + 1);
      let k = j + 1;
      while (k < text.length && /\s/.test(text[k])) k++;
      if (text[k] === ':') {
        lastKey = JSON.parse(tok);
        out.push({ t: tok, c: 'key' });
      } else {
        const lvl = LEVEL_FIELDS.has(lastKey.toLowerCase()) ? normalizeLevel(JSON.parse(tok)) : '';
        if (lvl && !state.level) state.level = lvl;
        out.push({ t: tok, c: 'value', l: lvl });
        lastKey = '';
      }
      i = j + 1;
    } else if ('{}[],:'.includes(c) || /\s/.test(c)) {
      let j = i + 1;
      while (j < text.length && ('{}[],:'.includes(text[j]) || /\s/.test(text[j]))) j++;
      const tok = text.slice(i, j);
      out.push({ t: tok, c: 'punct' });
      // Only a ':' lies between a key and its value.
      if (/[{}[\],]/.test(tok)) lastKey = '';
      i = j;
    } else {
      let j = i + 1;
      while (j < text.length && !'{}[],:"'.includes(text[j]) && !/\s/.test(text[j])) j++;
      out.push({ t: text.slice(i, j), c: 'value' });
      lastKey = '';
      i = j;
    }
  }
  return out;
}

// --- logfmt ---------------------------------------------------------------

// key=value with the value bare or double-quoted (with backslash escapes);
// a key starts the line or follows a space.
const LOGFMT_RE = /(^|\s)([A-Za-z_][A-Za-z0-9_.\-/]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)/g;

function unquote(v) {
  if (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"') {
    try {
      return JSON.parse(v);
    } catch {
      return v.slice(1, -1);
    }
  }
  return v;
}

// Splits a line into spans and fields: {format, spans:[{t, c, l}], fields:[[k, v]], level}.
// A span's `c` is its kind ('' for plain text, key, value, punct, level) and
// `l` the level it names, if any; `level` is the line's own level or ''.
export function parseLine(line) {
  const text = String(line === null || line === undefined ? '' : line);
  const state = { level: '' };
  const trimmed = text.trim();
  if (trimmed.length >= 2 && trimmed[0] === '{' && trimmed[trimmed.length - 1] === '}') {
    let obj = null;
    try {
      obj = JSON.parse(trimmed);
    } catch {
      obj = null;
    }
    if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
      const fields = [];
      flattenJson(obj, '', fields);
      const spans = jsonSpans(text, state);
      return { format: 'json', spans, fields, level: state.level };
    }
  }
  const spans = [];
  const fields = [];
  let at = 0;
  LOGFMT_RE.lastIndex = 0;
  let m;
  const pending = [];
  while ((m = LOGFMT_RE.exec(text)) !== null) {
    const start = m.index + m[1].length;
    const [key, raw] = [m[2], m[3]];
    const value = unquote(raw);
    fields.push([key, value]);
    pending.push({ start, key, raw, value, end: start + key.length + 1 + raw.length });
    if (m[0].length === 0) LOGFMT_RE.lastIndex++;
  }
  // A level field wins over a level word elsewhere in the text.
  for (const p of pending) {
    if (LEVEL_FIELDS.has(p.key.toLowerCase()) && normalizeLevel(p.value)) {
      state.level = normalizeLevel(p.value);
      break;
    }
  }
  const fieldLevel = state.level;
  for (const p of pending) {
    textSpans(text.slice(at, p.start), spans, state);
    spans.push({ t: p.key, c: 'key' });
    spans.push({ t: '=', c: 'punct' });
    const lvl = fieldLevel && LEVEL_FIELDS.has(p.key.toLowerCase()) ? normalizeLevel(p.value) : '';
    if (p.raw) spans.push({ t: p.raw, c: 'value', l: lvl });
    at = p.end;
  }
  textSpans(text.slice(at), spans, state);
  return { format: pending.length ? 'logfmt' : 'text', spans, fields, level: state.level };
}

// Label pairs every stream shares, as {name: value}.
export function commonLabels(streams) {
  if (!streams.length) return {};
  const out = { ...streams[0] };
  for (const s of streams.slice(1)) {
    for (const k of Object.keys(out)) if (s[k] !== out[k]) delete out[k];
  }
  return out;
}

// {a:"x", b:"y z"} minus `hide` -> 'a=x b="y z"', sorted by name.
export function compactLabels(labels, hide = {}) {
  return Object.keys(labels || {})
    .filter((k) => !(k in hide) || hide[k] !== labels[k])
    .sort()
    .map((k) => {
      const v = labels[k];
      return `${k}=${v === '' || /[\s"=]/.test(v) ? JSON.stringify(v) : v}`;
    })
    .join(' ');
}

// Loki timestamps are decimal strings of nanoseconds; order them without
// losing precision to floats.
export function compareNs(a, b) {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

// Seconds (a float) as the decimal nanosecond string Loki takes.
export function secondsToNs(seconds) {
  const ms = Math.round(seconds * 1000);
  return `${ms}000000`;
}

// A nanosecond string as float seconds (millisecond precision kept).
export function nsToSeconds(ns) {
  const s = String(ns);
  if (s.length <= 6) return 0;
  return Number(s.slice(0, -6)) / 1000;
}

// ---- Paging: the next page of a log query after the entries shown.

// The window of the page after `entries` (in `dir` order, as shown) within
// [startNs, endNs), Loki's range (end exclusive). With `inclusive`, the
// window still holds the last entry's timestamp, so lines that share it and
// were cut off come too (the caller drops the ones already shown); without,
// it starts past it (for when a whole page shared one timestamp).
export function nextPageWindow(entries, dir, startNs, endNs, inclusive = true) {
  const last = entries[entries.length - 1].ns;
  const after = (BigInt(last) + 1n).toString();
  if (dir === 'forward') return { start: inclusive ? last : after, end: endNs };
  return { start: startNs, end: inclusive ? after : last };
}

function entryKey(e) {
  return `${e.ns}\u0000${JSON.stringify(e.labels)}\u0000${e.line}`;
}

// The entries of `page` not already in `shown`.
export function unseenEntries(shown, page) {
  const seen = new Set(shown.map(entryKey));
  return page.filter((e) => !seen.has(entryKey(e)));
}
