// Dashboards: the list of the shipped defaults (ui/dashboards/*.json, in the
// bundle) and of the ones saved on the server (/api/v1/dashboards, files in
// <data-dir>/dashboards), one dashboard's view, its JSON editor, and the
// Grafana importer.
//
//   /ui/dashboards?filter=...                   the list
//   /ui/dashboards?import=1 | ?new=1            import Grafana JSON | write a new one
//   /ui/dashboards/<uid>?range=1h&end=&refresh=30s&var-instance=a&var-instance=b&edit=1
//
// A saved dashboard with a shipped one's uid is an edited copy and wins;
// deleting it brings the shipped one back.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import {
  ALL,
  applyRegex,
  chooseCurrent,
  interpolate,
  parseDashboard,
  parseVariableQuery,
  staticOptions,
  timeContext,
  validateDashboard,
  variableRequest,
  variableValues,
  wantedFromParams,
} from '../lib/dashboard.js';
import { importGrafana, slug } from '../lib/grafana_import.js';
import { Panel } from '../components/Panel.jsx';
import { ErrorBox, RangePicker } from '../components/common.jsx';
import hostOverview from '../../dashboards/host-overview.json';
import aws from '../../dashboards/aws.json';
import azure from '../../dashboards/azure.json';
import gcp from '../../dashboards/gcp.json';
import logsOverview from '../../dashboards/logs-overview.json';
import vigilSelf from '../../dashboards/vigil.json';

export const SHIPPED = [hostOverview, aws, azure, gcp, logsOverview, vigilSelf];
const shippedByUid = new Map(SHIPPED.map((d) => [d.uid, d]));

const REFRESHES = ['', '5s', '10s', '30s', '1m', '5m', '15m'];

const NEW_TEMPLATE = {
  uid: 'my-dashboard',
  title: 'My dashboard',
  tags: [],
  time: { range: '1h' },
  variables: [{ name: 'job', label: 'Job', query: 'label_values(up, job)', multi: true, includeAll: true, default: 'All' }],
  panels: [
    {
      title: 'Targets up',
      type: 'stat',
      width: 3,
      height: 4,
      queries: [{ expr: 'sum(up{job=~"$job"})' }],
      thresholds: [
        { value: null, color: 'red' },
        { value: 1, color: 'green' },
      ],
    },
    {
      title: 'Samples scraped',
      type: 'timeseries',
      width: 9,
      height: 8,
      queries: [{ expr: 'sum by (job) (scrape_samples_scraped{job=~"$job"})', legend: '{{job}}' }],
    },
  ],
};

function dashUrl(uid, params) {
  const q = params ? params.toString() : '';
  return `/ui/dashboards${uid ? `/${encodeURIComponent(uid)}` : ''}${q ? `?${q}` : ''}`;
}

export function DashboardsPage({ params, rest }) {
  const uid = rest && rest[0] ? decodeURIComponent(rest[0]) : '';
  if (uid) return <DashboardView uid={uid} params={params} key={uid} />;
  return <DashboardList params={params} />;
}

// ---- the list ----

async function loadList() {
  let saved = [];
  let savedError = null;
  try {
    saved = await api('/api/v1/dashboards');
  } catch (e) {
    savedError = e;
  }
  const rows = new Map();
  for (const d of SHIPPED) rows.set(d.uid, { uid: d.uid, title: d.title, tags: d.tags || [], source: 'shipped', description: d.description || '' });
  for (const d of saved || []) {
    const shipped = rows.get(d.uid);
    rows.set(d.uid, { ...d, tags: d.tags || [], source: shipped ? 'saved, overrides shipped' : 'saved', description: '' });
  }
  return { rows: [...rows.values()].sort((a, b) => a.title.localeCompare(b.title)), savedError };
}

function DashboardList({ params }) {
  const [list, setList] = useState(null);
  const [reload, setReload] = useState(0);
  const filter = params.get('filter') || '';
  useEffect(() => {
    loadList().then(setList);
  }, [reload]);

  const setParam = (k, v) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    navigate(dashUrl('', p), { replace: k === 'filter' });
  };

  if (params.get('import') === '1') return <ImportView onClose={() => setParam('import', '')} />;
  if (params.get('new') === '1') return <NewView onClose={() => setParam('new', '')} />;

  const f = filter.toLowerCase();
  const rows = list ? list.rows.filter((r) => !f || r.title.toLowerCase().includes(f) || r.uid.includes(f) || r.tags.some((t) => t.toLowerCase().includes(f))) : [];
  return (
    <div class="page dash-list-page">
      <div class="toolbar">
        <h1>Dashboards</h1>
        <input type="search" placeholder="filter by title, tag or uid" value={filter} onInput={(e) => setParam('filter', e.currentTarget.value)} aria-label="filter" />
        <button onClick={() => setParam('import', '1')}>Import Grafana JSON</button>
        <button onClick={() => setParam('new', '1')}>New dashboard</button>
      </div>
      {!list && <span class="loading">loading…</span>}
      {list && list.savedError && (
        <div class="warning">
          Saved dashboards are not available ({list.savedError.message}); the shipped ones are listed.
        </div>
      )}
      {list && (
        <table class="dash-list" data-testid="dashboard-list">
          <thead>
            <tr>
              <th>title</th>
              <th>tags</th>
              <th>source</th>
              <th>uid</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>
                  <a href={dashUrl(r.uid)}>{r.title}</a>
                  {r.description && <div class="hint">{r.description}</div>}
                  {r.error && <div class="error">{r.error}</div>}
                </td>
                <td>
                  {r.tags.map((t) => (
                    <button class="dash-tag" onClick={() => setParam('filter', t)} title="show dashboards with this tag">
                      {t}
                    </button>
                  ))}
                </td>
                <td class="hint">{r.source}</td>
                <td class="mono">{r.uid}</td>
                <td>{r.source !== 'shipped' && <DeleteButton uid={r.uid} restores={r.source !== 'saved'} onDone={() => setReload((n) => n + 1)} />}</td>
              </tr>
            ))}
            {!rows.length && (
              <tr>
                <td colSpan="5" class="hint">
                  No dashboard matches {JSON.stringify(filter)}.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}

function DeleteButton({ uid, restores, onDone }) {
  const [error, setError] = useState(null);
  const del = async () => {
    const what = restores ? `Delete the saved copy of ${uid}? The shipped dashboard comes back.` : `Delete the saved dashboard ${uid}?`;
    if (!window.confirm(what)) return;
    try {
      await api(`/api/v1/dashboards/${encodeURIComponent(uid)}`, undefined, { method: 'DELETE' });
      setError(null);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <button class="icon" onClick={del} title={restores ? 'delete the saved copy (back to the shipped one)' : 'delete this dashboard'}>
        {restores ? 'Revert' : 'Delete'}
      </button>
      <ErrorBox error={error} where="delete" />
    </>
  );
}

// ---- one dashboard ----

// The server's copy, else the shipped one: {raw, source}. The list is asked
// first so that showing a shipped dashboard costs no 404 (a console error).
async function loadDashboard(uid) {
  let saved = null;
  try {
    saved = await api('/api/v1/dashboards');
  } catch {
    // A server without the dashboards API still shows the shipped ones.
  }
  const shipped = shippedByUid.get(uid);
  if (shipped && !(saved && saved.some((d) => d.uid === uid))) return { raw: shipped, source: 'shipped' };
  try {
    const d = await api(`/api/v1/dashboards/${encodeURIComponent(uid)}`);
    return { raw: d, source: shipped ? 'saved, overrides shipped' : 'saved' };
  } catch (e) {
    if (shipped) return { raw: shipped, source: `shipped (the saved copy failed to load: ${e.message})` };
    if (e instanceof ApiError && e.status === 404) throw new Error(`There is no dashboard ${JSON.stringify(uid)} (neither shipped nor saved).`);
    throw e;
  }
}

function DashboardView({ uid, params }) {
  const [loaded, setLoaded] = useState(null);
  const [error, setError] = useState(null);
  const [gen, setGen] = useState(0);
  useEffect(() => {
    loadDashboard(uid)
      .then((l) => {
        const v = validateDashboard(l.raw);
        if (v.errors.length) throw new Error(`This dashboard does not validate:\n${v.errors.join('\n')}`);
        setLoaded({ ...l, dashboard: v.dashboard });
        setError(null);
        document.title = `${v.dashboard.title} · Vigil`;
      })
      .catch(setError);
  }, [uid, gen]);

  const setParams = (fn) => {
    const p = new URLSearchParams(params);
    fn(p);
    navigate(dashUrl(uid, p), { replace: true });
  };
  const editing = params.get('edit') === '1';

  if (error) {
    return (
      <div class="page">
        <p>
          <a href={dashUrl('')}>← Dashboards</a>
        </p>
        <ErrorBox error={error} where="dashboard" />
      </div>
    );
  }
  if (!loaded) return <div class="page loading">loading…</div>;
  return (
    <div class="page dash-page">
      {editing && (
        <JsonEditor
          initial={loaded.raw}
          saveUid={uid}
          onApply={(raw, dashboard) => setLoaded({ ...loaded, raw, dashboard, source: `${loaded.source}, edited (not saved)` })}
          onSaved={(newUid) => {
            if (newUid !== uid) navigate(dashUrl(newUid));
            else {
              setParams((p) => p.delete('edit'));
              setGen((n) => n + 1);
            }
          }}
          onClose={() => setParams((p) => p.delete('edit'))}
        />
      )}
      <DashboardBody
        dashboard={loaded.dashboard}
        params={params}
        setParams={setParams}
        head={
          <>
            <a href={dashUrl('')} class="dash-back" title="all dashboards">
              ← Dashboards
            </a>
            <h1 title={loaded.dashboard.description || ''}>{loaded.dashboard.title}</h1>
            <span class="hint dash-source">{loaded.source}</span>
            {!editing && <button onClick={() => setParams((p) => p.set('edit', '1'))}>Edit JSON</button>}
          </>
        }
      />
    </div>
  );
}

// Resolves the variables in order, each query seeing the ones before it.
async function resolveVariables(variables, wanted, ctx) {
  const out = [];
  for (const v of variables) {
    let options = staticOptions(v);
    let error = null;
    if (!options) {
      try {
        const parsed = parseVariableQuery(interpolate(v.query, out, ctx));
        if (parsed.error) throw new Error(parsed.error);
        const req = variableRequest(parsed, ctx, v.datasource);
        options = applyRegex(variableValues(parsed, await api(req.path, req.params)), v.regex);
      } catch (e) {
        error = e;
        options = [];
      }
    }
    out.push({ ...v, options, current: chooseCurrent(v, options, wanted[v.name]), error });
  }
  return out;
}

// Variables, time range, refresh and the panel grid of one dashboard; the
// state lives in `params` (the URL, or the preview's own).
export function DashboardBody({ dashboard, params, setParams, head }) {
  const range = params.get('range') || (dashboard.time && dashboard.time.range) || '1h';
  const end = params.get('end') || '';
  const refresh = params.has('refresh') ? params.get('refresh') : dashboard.refresh || '';
  const wanted = wantedFromParams(params);
  const wantedKey = JSON.stringify(wanted);
  const [view, setView] = useState(null);
  const [error, setError] = useState(null);
  const seq = useRef(0);

  const newCtx = () => timeContext(range, end);

  useEffect(() => {
    const my = ++seq.current;
    let ctx;
    try {
      ctx = newCtx();
    } catch (e) {
      setError(e);
      return;
    }
    setError(null);
    resolveVariables(dashboard.variables, wanted, ctx).then((vars) => {
      if (my === seq.current) setView({ ctx, vars });
    });
  }, [dashboard, range, end, wantedKey]);

  const rerun = () => {
    try {
      const ctx = newCtx();
      setView((v) => (v ? { ...v, ctx } : v));
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    const every = refresh ? parseDurationMs(refresh) : 0;
    if (!every) return undefined;
    const t = setInterval(() => {
      if (!document.hidden) rerun();
    }, every);
    return () => clearInterval(t);
  }, [refresh, range, end]);

  const setVar = (name, values) =>
    setParams((p) => {
      p.delete(`var-${name}`);
      values.forEach((x) => p.append(`var-${name}`, x));
    });

  return (
    <>
      <div class="toolbar dash-toolbar">
        {head}
        <span class="dash-spacer" />
        <RangePicker
          range={range}
          onRange={(r) => setParams((p) => p.set('range', r))}
          end={end}
          onEnd={(e) => setParams((p) => (e ? p.set('end', e) : p.delete('end')))}
        />
        <label>
          Refresh
          <select value={refresh} onChange={(e) => setParams((p) => p.set('refresh', e.currentTarget.value))} aria-label="auto refresh">
            {(REFRESHES.includes(refresh) ? REFRESHES : [...REFRESHES, refresh]).map((r) => (
              <option value={r}>{r || 'off'}</option>
            ))}
          </select>
        </label>
        <button onClick={rerun} title="run every panel's queries again">
          Refresh
        </button>
      </div>
      {view && view.vars.some((v) => v.type !== 'constant') && <VariableBar vars={view.vars} onChange={setVar} />}
      <ErrorBox error={error} where="range" />
      {!view && !error && <span class="loading">loading variables…</span>}
      {view && (
        <div class="dash-grid" data-testid="dashboard-grid">
          {dashboard.panels.map((p) => (
            <Panel panel={p} vars={view.vars} ctx={view.ctx} />
          ))}
        </div>
      )}
      {!dashboard.panels.length && <p class="hint">This dashboard has no panels yet: Edit JSON to add some.</p>}
    </>
  );
}

function parseDurationMs(s) {
  const m = /^(\d+)(s|m|h)$/.exec(s);
  if (!m) return 0;
  return Number(m[1]) * { s: 1000, m: 60000, h: 3600000 }[m[2]];
}

// ---- the variable bar ----

function VariableBar({ vars, onChange }) {
  return (
    <div class="dash-vars" data-testid="variables">
      {vars
        .filter((v) => v.type !== 'constant')
        .map((v) => (
          <div class="dash-var">
            <span class="dash-var-label">{v.label || v.name}</span>
            {v.type === 'textbox' ? (
              <TextVariable v={v} onChange={onChange} />
            ) : v.multi ? (
              <MultiSelect v={v} onChange={onChange} />
            ) : (
              <select
                value={v.current[0] || ''}
                onChange={(e) => onChange(v.name, [e.currentTarget.value])}
                aria-label={`variable ${v.name}`}
                data-var={v.name}
              >
                {v.includeAll && <option value={ALL}>All</option>}
                {v.options.map((o) => (
                  <option value={o.value}>{o.text}</option>
                ))}
                {!v.options.length && !v.includeAll && <option value="">(none)</option>}
              </select>
            )}
            {v.error && (
              <span class="dash-var-error" title={String(v.error.message || v.error)} role="alert">
                ⚠ {String(v.error.message || v.error)}
              </span>
            )}
          </div>
        ))}
    </div>
  );
}

function TextVariable({ v, onChange }) {
  const [text, setText] = useState(v.current[0] || '');
  useEffect(() => setText(v.current[0] || ''), [v.current[0]]);
  return (
    <input
      type="text"
      value={text}
      size="14"
      onInput={(e) => setText(e.currentTarget.value)}
      onChange={(e) => onChange(v.name, [e.currentTarget.value])}
      aria-label={`variable ${v.name}`}
    />
  );
}

// A dropdown of checkboxes; the choice applies when it closes, so ticking
// three values runs the panels once, not three times.
function MultiSelect({ v, onChange }) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState(v.current);
  const [filter, setFilter] = useState('');
  const box = useRef(null);
  const draftRef = useRef(draft);
  draftRef.current = draft;

  const close = () => {
    setOpen(false);
    const d = draftRef.current;
    if (JSON.stringify(d) !== JSON.stringify(v.current)) onChange(v.name, d.length ? d : v.includeAll ? [ALL] : []);
  };
  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e) => {
      if (box.current && !box.current.contains(e.target)) close();
    };
    const onKey = (e) => {
      if (e.key === 'Escape') close();
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const isAll = v.current.includes(ALL);
  const text = isAll ? 'All' : v.current.length ? v.current.map((x) => (v.options.find((o) => o.value === x) || { text: x }).text).join(' + ') : '(none)';
  const toggle = (value) => {
    if (value === ALL) return setDraft([ALL]);
    const base = draft.filter((x) => x !== ALL);
    setDraft(base.includes(value) ? base.filter((x) => x !== value) : [...base, value]);
  };
  const f = filter.toLowerCase();
  return (
    <div class="dash-multi" ref={box}>
      <button
        class="dash-multi-button"
        onClick={() => (open ? close() : (setDraft(v.current), setFilter(''), setOpen(true)))}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-label={`variable ${v.name}`}
        data-var={v.name}
        title={text}
      >
        {text} ▾
      </button>
      {open && (
        <div class="dash-multi-pop" role="listbox" aria-multiselectable="true">
          {v.options.length > 8 && (
            <input type="search" placeholder="filter" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} aria-label="filter values" autoFocus />
          )}
          {v.includeAll && (
            <label class="check">
              <input type="checkbox" checked={draft.includes(ALL)} onChange={() => toggle(ALL)} />
              All
            </label>
          )}
          {v.options
            .filter((o) => !f || o.text.toLowerCase().includes(f))
            .map((o) => (
              <label class="check">
                <input type="checkbox" checked={draft.includes(o.value)} onChange={() => toggle(o.value)} />
                {o.text}
              </label>
            ))}
          {!v.options.length && <span class="hint">no values</span>}
          <button class="primary" onClick={close}>
            Apply
          </button>
        </div>
      )}
    </div>
  );
}

// ---- editing, creating, importing ----

// A JSON textarea with Validate, Apply (this page only) and Save (PUT).
function JsonEditor({ initial, saveUid, onApply, onSaved, onClose, notes, title = 'Edit JSON' }) {
  const [text, setText] = useState(() => JSON.stringify(initial, null, 2));
  const [result, setResult] = useState(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => setText(JSON.stringify(initial, null, 2)), [initial]);

  const check = () => {
    const r = parseDashboard(text);
    setResult(r.errors.length ? { errors: r.errors } : { ok: 'Valid.' });
    return r;
  };
  const save = async () => {
    const r = check();
    if (r.errors.length) return;
    let raw = JSON.parse(text);
    const uid = raw.uid || saveUid || slug(raw.title);
    if (!raw.uid) raw = { uid, ...raw };
    setSaving(true);
    try {
      await api(`/api/v1/dashboards/${encodeURIComponent(uid)}`, undefined, {
        method: 'PUT',
        body: JSON.stringify(raw, null, 2),
        headers: { 'Content-Type': 'application/json' },
      });
      setResult({ ok: `Saved as ${uid}.` });
      onSaved(uid, raw);
    } catch (e) {
      setResult({ errors: [e.message] });
    } finally {
      setSaving(false);
    }
  };
  return (
    <div class="dash-editor" data-testid="json-editor">
      <div class="toolbar">
        <h2>{title}</h2>
        <button onClick={check}>Validate</button>
        {onApply && (
          <button
            onClick={() => {
              const r = check();
              if (!r.errors.length) onApply(JSON.parse(text), r.dashboard);
            }}
            title="show this JSON on the page without saving it"
          >
            {onApply.label || 'Apply'}
          </button>
        )}
        <button class="primary" onClick={save} disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        {onClose && <button onClick={onClose}>Close</button>}
      </div>
      {notes}
      {result && result.errors && (
        <div class="error" role="alert" data-where="validate">
          {result.errors.join('\n')}
        </div>
      )}
      {result && result.ok && <div class="dash-ok">{result.ok}</div>}
      <textarea class="dash-json" value={text} spellcheck={false} onInput={(e) => setText(e.currentTarget.value)} aria-label="dashboard JSON" />
    </div>
  );
}

// A dashboard drawn from memory (an import or a new one before saving).
function Preview({ raw }) {
  const [params, setP] = useState(() => new URLSearchParams());
  const v = useMemo(() => validateDashboard(raw), [raw]);
  if (v.errors.length) return <ErrorBox error={v.errors.join('\n')} where="preview" />;
  return (
    <div class="dash-preview">
      <DashboardBody
        dashboard={v.dashboard}
        params={params}
        setParams={(fn) => {
          const p = new URLSearchParams(params);
          fn(p);
          setP(p);
        }}
        head={<h2>Preview: {v.dashboard.title}</h2>}
      />
    </div>
  );
}

function NewView({ onClose }) {
  const [preview, setPreview] = useState(null);
  return (
    <div class="page">
      <JsonEditor
        title="New dashboard"
        initial={NEW_TEMPLATE}
        onApply={Object.assign((raw) => setPreview(raw), { label: 'Preview' })}
        onSaved={(uid) => navigate(dashUrl(uid))}
        onClose={onClose}
        notes={<p class="hint">The format is described atop ui/src/lib/dashboard.js (and in docs/).</p>}
      />
      {preview && <Preview raw={preview} />}
    </div>
  );
}

function ImportView({ onClose }) {
  const [source, setSource] = useState('');
  const [converted, setConverted] = useState(null);
  const [error, setError] = useState(null);
  const [preview, setPreview] = useState(null);
  const [saved, setSaved] = useState([]);
  useEffect(() => {
    api('/api/v1/dashboards')
      .then((l) => setSaved((l || []).map((d) => d.uid)))
      .catch(() => setSaved([]));
  }, []);

  const convert = (text = source) => {
    setPreview(null);
    try {
      const r = importGrafana(JSON.parse(text));
      setConverted(r);
      setError(null);
    } catch (e) {
      setConverted(null);
      setError(e instanceof SyntaxError ? new Error(`not valid JSON: ${e.message}`) : e);
    }
  };
  const onFile = async (e) => {
    const file = e.currentTarget.files && e.currentTarget.files[0];
    if (!file) return;
    const text = await file.text();
    setSource(text);
    convert(text);
  };
  const uid = converted && converted.dashboard.uid;
  const taken = uid && (saved.includes(uid) ? 'a saved dashboard' : shippedByUid.has(uid) ? 'a shipped dashboard' : '');
  return (
    <div class="page dash-import" data-testid="import">
      <div class="toolbar">
        <h1>Import a Grafana dashboard</h1>
        <button onClick={onClose}>Back to the list</button>
      </div>
      <p class="hint">
        Paste a dashboard's JSON model (Grafana: Share → Export, or Dashboard settings → JSON Model) or choose its file. Panels, queries, units,
        thresholds and variables come across; whatever does not is listed before you save.
      </p>
      <div class="toolbar">
        <input type="file" accept=".json,application/json" onChange={onFile} aria-label="Grafana JSON file" />
      </div>
      <textarea
        class="dash-json dash-source-json"
        value={source}
        placeholder='{"title": "...", "panels": [...], "templating": {...}}'
        spellcheck={false}
        onInput={(e) => setSource(e.currentTarget.value)}
        aria-label="Grafana JSON"
      />
      <div class="toolbar">
        <button class="primary" onClick={() => convert()} disabled={!source.trim()}>
          Convert
        </button>
      </div>
      <ErrorBox error={error} where="import" />
      {converted && (
        <JsonEditor
          title="Vigil dashboard"
          initial={converted.dashboard}
          onApply={Object.assign((raw) => setPreview(raw), { label: 'Preview' })}
          onSaved={(uid) => navigate(dashUrl(uid))}
          notes={
            <>
              <ImportNotes notes={converted.notes} panels={converted.dashboard.panels.length} />
              {taken && (
                <div class="warning">
                  uid {uid} is {taken}'s: saving replaces it (change "uid" below to keep both).
                </div>
              )}
            </>
          }
        />
      )}
      {preview && <Preview raw={preview} />}
    </div>
  );
}

function ImportNotes({ notes, panels }) {
  return (
    <div class="dash-notes" data-testid="import-notes">
      <div>
        {panels} {panels === 1 ? 'panel' : 'panels'} converted
        {notes.length ? `; ${notes.length} ${notes.length === 1 ? 'note' : 'notes'}:` : ', nothing left out.'}
      </div>
      {notes.length > 0 && (
        <ul class="warning">
          {notes.map((n) => (
            <li>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
