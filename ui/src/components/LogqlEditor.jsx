// A LogQL editor: the shared CodeEditor with Grafana's LogQL grammar
// (@grafana/lezer-logql) for highlighting, and a small completion of label
// names and values inside a stream selector `{...}` from Vigil's Loki API,
// plus LogQL's keywords and functions elsewhere. Enter runs the query.

import { LRLanguage, syntaxTree } from '@codemirror/language';
import { styleTags, tags as t } from '@lezer/highlight';
import { parser } from '@grafana/lezer-logql';
import { api } from '../lib/api.js';
import { CodeEditor } from './PromqlEditor.jsx';

export const logqlLanguage = LRLanguage.define({
  name: 'logql',
  parser: parser.configure({
    props: [
      styleTags({
        LineComment: t.lineComment,
        Identifier: t.labelName,
        String: t.string,
        'Number Duration Bytes': t.number,
        'CountOverTime Rate RateCounter BytesOverTime BytesRate AvgOverTime SumOverTime MinOverTime MaxOverTime StddevOverTime StdvarOverTime QuantileOverTime FirstOverTime LastOverTime AbsentOverTime Vector LabelReplace Ip BytesConv DurationConv DurationSecondsConv':
          t.function(t.variableName),
        'Sum Avg Count Max Min Stddev Stdvar Bottomk Topk Sort Sort_Desc': t.operatorKeyword,
        'Json Logfmt Unpack Pattern Regexp Unwrap LabelFormat LineFormat Decolorize Drop Keep': t.keyword,
        'By Without Bool On Ignoring GroupLeft GroupRight Offset': t.modifier,
        'And Or Unless': t.logicOperator,
        'Eq Neq Re Nre PipeExact PipeMatch PipePattern Npa Pipe Gtr Gte Lss Lte Eql Add Sub Mul Div Mod Pow': t.operator,
        ParserFlag: t.attributeName,
        '⚠': t.invalid,
      }),
    ],
  }),
  languageData: {
    closeBrackets: { brackets: ['(', '[', '{', '"', '`'] },
    commentTokens: { line: '#' },
  },
});

// True when the text is a metric query (count_over_time, rate, sum, ...)
// rather than a log query; a parse that fails says false, and the API will
// say why when the query runs.
export function isMetricQuery(text) {
  const tree = parser.parse(text);
  const expr = tree.topNode.firstChild;
  const first = expr && expr.firstChild;
  return !!first && first.name === 'MetricExpr';
}

// Label name = "value" pairs of the stream selector's equality matchers:
// the labels every line of the query carries for sure.
export function selectorEqualities(text) {
  const out = {};
  const tree = parser.parse(text);
  const cur = tree.cursor();
  const slice = (n) => text.slice(n.from, n.to);
  do {
    if (cur.name === 'Selector') {
      const sel = cur.node;
      for (const m of sel.getChildren('Matchers').flatMap(function all(ms) {
        return [...ms.getChildren('Matcher'), ...ms.getChildren('Matchers').flatMap(all)];
      })) {
        const name = m.getChild('Identifier');
        const value = m.getChild('String');
        if (name && value && m.getChild('Eq')) {
          const raw = slice(value);
          try {
            out[slice(name)] = raw[0] === '`' ? raw.slice(1, -1) : JSON.parse(raw);
          } catch {
            // An escape JSON does not know (Go's \a, \x..): leave the label shown.
          }
        }
      }
      break;
    }
  } while (cur.next());
  return out;
}

// --- completion -------------------------------------------------------------

const CACHE_MS = 60000;
const cache = new Map();

function cached(key, load) {
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
  const value = load().catch((e) => {
    cache.delete(key);
    throw e;
  });
  cache.set(key, { at: Date.now(), value });
  return value;
}

const labelNames = () => cached('labels', () => api('/loki/api/v1/labels').then((d) => d || []));
const labelValues = (name) =>
  cached(`values:${name}`, () => api(`/loki/api/v1/label/${encodeURIComponent(name)}/values`).then((d) => d || []));

const RANGE_FUNCTIONS = [
  'count_over_time', 'rate', 'rate_counter', 'bytes_over_time', 'bytes_rate', 'avg_over_time', 'sum_over_time',
  'min_over_time', 'max_over_time', 'stddev_over_time', 'stdvar_over_time', 'quantile_over_time', 'first_over_time',
  'last_over_time', 'absent_over_time',
];
const AGGREGATIONS = ['sum', 'avg', 'count', 'max', 'min', 'stddev', 'stdvar', 'topk', 'bottomk', 'sort', 'sort_desc'];
const PIPELINE = [
  'json', 'logfmt', 'pattern', 'regexp', 'unpack', 'line_format', 'label_format', 'unwrap', 'decolorize', 'drop', 'keep',
];

// The text after the `{` of the selector the cursor is in, or null when the
// cursor is not inside one; quotes are followed so a `{` in a string (as in
// line_format "{{.x}}") does not count.
function selectorPrefix(before) {
  let open = -1;
  let quote = '';
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '{') open = i;
    else if (c === '}') open = -1;
  }
  return open < 0 ? null : before.slice(open + 1);
}

async function complete(context) {
  const pos = context.pos;
  const before = context.state.sliceDoc(0, pos);
  const inSelector = selectorPrefix(before);
  if (inSelector !== null) {
    // A value being typed inside its quotes.
    let m = /([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)$/.exec(inSelector);
    if (m) {
      const values = await labelValues(m[1]).catch(() => []);
      return {
        from: pos - m[3].length,
        options: values.map((v) => ({ label: v, apply: JSON.stringify(v).slice(1, -1), type: 'text' })),
        validFor: /^(?:[^"\\]|\\.)*$/,
      };
    }
    // A value right after the operator: quotes come with it.
    m = /([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*$/.exec(inSelector);
    if (m) {
      const values = await labelValues(m[1]).catch(() => []);
      return { from: pos, options: values.map((v) => ({ label: v, apply: JSON.stringify(v), type: 'text' })) };
    }
    m = /(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)?$/.exec(inSelector);
    if (m && (m[1] || context.explicit || /(?:^|,)\s*$/.test(inSelector))) {
      const names = await labelNames().catch(() => []);
      return {
        from: pos - (m[1] || '').length,
        options: names.map((n) => ({ label: n, type: 'property' })),
        validFor: /^[A-Za-z0-9_]*$/,
      };
    }
    return null;
  }
  // Keywords: after a pipe, the pipeline stages; elsewhere the functions.
  const word = context.matchBefore(/[A-Za-z_][A-Za-z0-9_]*/);
  if (!word && !context.explicit) return null;
  const from = word ? word.from : pos;
  const tree = syntaxTree(context.state);
  const inString = tree.resolveInner(pos, -1).name === 'String';
  if (inString) return null;
  const afterPipe = /\|\s*[A-Za-z_]*$/.test(before);
  const options = afterPipe
    ? PIPELINE.map((k) => ({ label: k, type: 'keyword' }))
    : [
        ...RANGE_FUNCTIONS.map((f) => ({ label: f, type: 'function', apply: `${f}(` })),
        ...AGGREGATIONS.map((f) => ({ label: f, type: 'keyword' })),
        { label: 'by', type: 'keyword' },
        { label: 'without', type: 'keyword' },
      ];
  return { from, options, validFor: /^[A-Za-z0-9_]*$/ };
}

const logqlExtension = [logqlLanguage, logqlLanguage.data.of({ autocomplete: complete })];

export function LogqlEditor(props) {
  return <CodeEditor {...props} language={logqlExtension} label={props.label || 'LogQL query'} />;
}
