// Reads the Prometheus text exposition format (what /metrics serves) into
// families of samples, and turns two or more such readings into rates. Pure:
// no fetching, no DOM, so the pipeline view and any test can feed it text.
//
//   parseMetricsText(text) -> { families: Map(name -> {name, type, help, samples}), errors }
//   sample: { name, labels: {k: v}, value, timestamp (ms or null) }
//
// A histogram's or summary's _bucket, _sum and _count samples belong to the
// family their TYPE line names, as do a counter's _total samples when the TYPE
// line leaves _total off (OpenMetrics style). Lines that cannot be read are
// skipped and listed in `errors` with their line numbers: one odd line must
// not blank the whole page.

const SUFFIXES = {
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['_sum', '_count', '_created'],
  counter: ['_total', '_created'],
};

export function parseMetricsText(text) {
  const families = new Map();
  const errors = [];
  const family = (name) => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  // Which family a sample name belongs to: itself, or the typed family its
  // suffix points back to.
  const owner = (name) => {
    const own = families.get(name);
    if (own && own.type !== 'untyped') return own;
    for (const [type, suffixes] of Object.entries(SUFFIXES)) {
      for (const s of suffixes) {
        if (!name.endsWith(s)) continue;
        const base = families.get(name.slice(0, -s.length));
        if (base && base.type === type) return base;
      }
    }
    return family(name);
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (!line.trim()) continue;
    try {
      if (line.startsWith('#')) {
        const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
        // Other comments (and `# EOF`) carry nothing to keep.
        if (!m) continue;
        const name = unquoteName(m[2]);
        const rest = m[3] || '';
        if (m[1] === 'HELP') family(name).help = unescapeHelp(rest);
        else family(name).type = rest.trim().toLowerCase() || 'untyped';
        continue;
      }
      const s = parseSample(line);
      owner(s.name).samples.push(s);
    } catch (e) {
      errors.push({ line: i + 1, message: e.message, text: line.length > 200 ? `${line.slice(0, 200)}…` : line });
    }
  }
  return { families, errors };
}

// A metric name given as `"my.metric"` (UTF-8 names in the 0.0.4 text format
// that Prometheus 3 writes) reads as my.metric.
function unquoteName(s) {
  if (s.length >= 2 && s[0] === '"' && s[s.length - 1] === '"') return unescapeLabel(s.slice(1, -1));
  return s;
}

function unescapeHelp(s) {
  return s.replace(/\\(\\|n)/g, (_, c) => (c === 'n' ? '\n' : '\\'));
}

// Label values escape exactly three characters: \\, \" and \n. Any other
// backslash is kept as written, as Prometheus' parser does.
function unescapeLabel(s) {
  return s.replace(/\\(\\|"|n)/g, (_, c) => (c === 'n' ? '\n' : c));
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseSample(line) {
  let pos = 0;
  let name = '';
  const labels = {};
  const skipSpace = () => {
    while (pos < line.length && (line[pos] === ' ' || line[pos] === '\t')) pos++;
  };
  // A quoted string starting at pos (which holds the opening quote): returns
  // its unescaped text and moves past the closing quote.
  const quoted = () => {
    let j = pos + 1;
    let raw = '';
    while (j < line.length && line[j] !== '"') {
      if (line[j] === '\\' && j + 1 < line.length) {
        raw += line[j] + line[j + 1];
        j += 2;
      } else raw += line[j++];
    }
    if (j >= line.length) throw new Error('unterminated quoted string');
    pos = j + 1;
    return unescapeLabel(raw);
  };

  const m = NAME_RE.exec(line);
  if (m) {
    name = m[0];
    pos = name.length;
  }
  skipSpace();
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      skipSpace();
      if (line[pos] === '}') {
        pos++;
        break;
      }
      let key;
      if (line[pos] === '"') {
        key = quoted();
        skipSpace();
        // A quoted string with no `=` after it is the metric's name.
        if (line[pos] !== '=') {
          if (name) throw new Error('two metric names');
          name = key;
          if (line[pos] === ',') pos++;
          continue;
        }
      } else {
        const k = LABEL_NAME_RE.exec(line.slice(pos));
        if (!k) throw new Error(`bad label name at column ${pos + 1}`);
        key = k[0];
        pos += key.length;
        skipSpace();
      }
      if (line[pos] !== '=') throw new Error(`expected = after label ${key}`);
      pos++;
      skipSpace();
      if (line[pos] !== '"') throw new Error(`expected a quoted value for label ${key}`);
      labels[key] = quoted();
      skipSpace();
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') throw new Error(`expected , or } after label ${key}`);
    }
  }
  if (!name) throw new Error('no metric name');
  skipSpace();
  const rest = line.slice(pos).trim().split(/\s+/);
  if (!rest[0]) throw new Error(`no value for ${name}`);
  const value = parseValue(rest[0]);
  let timestamp = null;
  if (rest.length > 1 && rest[1] !== '#') {
    timestamp = Number(rest[1]);
    if (!Number.isFinite(timestamp)) throw new Error(`bad timestamp ${JSON.stringify(rest[1])}`);
  }
  return { name, labels, value, timestamp };
}

function parseValue(s) {
  switch (s.toLowerCase()) {
    case '+inf':
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'nan':
      return NaN;
  }
  // Number() would take '' and '0x10'; the format allows neither.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error(`bad value ${JSON.stringify(s)}`);
  return Number(s);
}

// A stable identity for one series: name plus its labels in sorted order.
export function seriesKey(name, labels) {
  const keys = Object.keys(labels).sort();
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

// Whether a family's samples only ever go up (so rates apply to them).
export function isCumulative(family, sampleName) {
  if (family.type === 'counter') return true;
  if (family.type === 'histogram' || family.type === 'summary') {
    return sampleName.endsWith('_bucket') || sampleName.endsWith('_sum') || sampleName.endsWith('_count');
  }
  return false;
}

// How much a counter grew between two readings. A smaller second reading
// means the process restarted and the counter began again from zero, so all
// of the second reading is new (Prometheus' rate() reads resets the same
// way). A series absent the first time was created in between, from zero.
export function counterIncrease(prev, cur) {
  if (!Number.isFinite(cur)) return 0;
  if (prev === undefined || prev === null || !Number.isFinite(prev)) return cur;
  return cur >= prev ? cur - prev : cur;
}

// Does a sample's label set satisfy a matcher object? Each entry is a string
// (equal), a RegExp (must match the whole value), an array (one of), or a
// function of the value. A missing label reads as ''.
export function labelsMatch(labels, match) {
  if (!match) return true;
  for (const [k, want] of Object.entries(match)) {
    const v = labels[k] === undefined ? '' : labels[k];
    if (typeof want === 'string') {
      if (v !== want) return false;
    } else if (want instanceof RegExp) {
      const m = want.exec(v);
      if (!m || m[0] !== v) return false;
    } else if (Array.isArray(want)) {
      if (!want.includes(v)) return false;
    } else if (typeof want === 'function') {
      if (!want(v)) return false;
    }
  }
  return true;
}
