// A PromQL editor: CodeMirror 6 with Prometheus' own language support
// (@prometheus-io/codemirror-promql), which completes metric names, labels
// and values from Vigil's API and lints the expression as it is typed.
// Enter runs the query (shift+enter inserts a line break).

import { useEffect, useRef } from 'preact/hooks';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder as placeholderExt } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from '@codemirror/commands';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { bracketMatching, syntaxHighlighting } from '@codemirror/language';
import { classHighlighter } from '@lezer/highlight';
import { lintKeymap } from '@codemirror/lint';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';

let shared = null;
// One language extension (and so one cache of metric names) for every
// editor on the page.
function promql() {
  if (!shared) {
    shared = new PromQLExtension()
      .setComplete({ remote: { url: window.location.origin, httpMethod: 'GET', cache: { maxAge: 60000 } } })
      .activateLinter(true);
  }
  return shared;
}

export function baseEditorExtensions({ onRun, onChange, placeholder }) {
  return [
    history(),
    closeBrackets(),
    bracketMatching(),
    autocompletion({ icons: false }),
    // Tokens get tok-* classes, coloured in style.css for light and dark.
    syntaxHighlighting(classHighlighter),
    EditorView.lineWrapping,
    placeholderExt(placeholder || ''),
    keymap.of([
      {
        key: 'Enter',
        run: (view) => {
          onRun.current(view.state.doc.toString());
          return true;
        },
      },
      { key: 'Shift-Enter', run: insertNewlineAndIndent },
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...historyKeymap,
      ...completionKeymap,
      ...lintKeymap,
    ]),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) onChange.current(u.state.doc.toString());
    }),
  ];
}

// A CodeMirror editor bound to a value; `language` is the extension list of
// the language (PromQL by default).
export function CodeEditor({ value, onChange, onRun, placeholder, language, label }) {
  const host = useRef(null);
  const view = useRef(null);
  const runRef = useRef(onRun);
  const changeRef = useRef(onChange);
  // Texts the editor itself reported and the page has not yet caught up
  // with. A `value` among them is the late echo of typing, not an outside
  // change: putting it back would undo the keys typed since (and then chase
  // the typing for ever).
  const echoes = useRef(new Set());
  runRef.current = onRun;
  changeRef.current = (text) => {
    if (echoes.current.size > 200) echoes.current.clear();
    echoes.current.add(text);
    onChange(text);
  };

  useEffect(() => {
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          baseEditorExtensions({ onRun: runRef, onChange: changeRef, placeholder }),
          language,
          EditorView.contentAttributes.of({ 'aria-label': label || 'query' }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
  }, []);

  // An outside change (e.g. the URL) replaces the text.
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const doc = v.state.doc.toString();
    if (doc === value) {
      echoes.current.clear();
      return;
    }
    if (!echoes.current.has(value)) {
      echoes.current.clear();
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div class="editor" ref={host} />;
}

export function PromqlEditor(props) {
  return <CodeEditor {...props} language={promql().asExtension()} label={props.label || 'PromQL expression'} />;
}
