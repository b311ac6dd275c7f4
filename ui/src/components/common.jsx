// Small pieces every page uses: an error box, a time range picker, tabs,
// and a hook that runs an async load and keeps its result and error.

import { useEffect, useRef, useState } from 'preact/hooks';

export function ErrorBox({ error, where }) {
  if (!error) return null;
  return (
    <div class="error" role="alert" data-where={where || ''}>
      {String(error.message || error)}
    </div>
  );
}

export function Warnings({ warnings }) {
  if (!warnings || !warnings.length) return null;
  return (
    <div class="warning" role="status">
      {warnings.map((w) => (
        <div>{w}</div>
      ))}
    </div>
  );
}

export const RANGES = ['5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '2d', '7d'];

export function RangePicker({ range, onRange, end, onEnd, step, onStep }) {
  return (
    <div class="range">
      <label>
        Range
        <select value={range} onChange={(e) => onRange(e.currentTarget.value)} aria-label="range">
          {(RANGES.includes(range) ? RANGES : [range, ...RANGES]).map((r) => (
            <option value={r}>{r}</option>
          ))}
        </select>
      </label>
      {onEnd && (
        <label>
          End
          <input
            type="text"
            value={end}
            size="12"
            placeholder="now"
            onChange={(e) => onEnd(e.currentTarget.value)}
            aria-label="end time"
            title="now, now-1h, Unix seconds or RFC 3339"
          />
        </label>
      )}
      {onStep && (
        <label>
          Step
          <input
            type="text"
            value={step}
            size="6"
            placeholder="auto"
            onChange={(e) => onStep(e.currentTarget.value)}
            aria-label="step"
          />
        </label>
      )}
    </div>
  );
}

export function Tabs({ tabs, value, onChange }) {
  return (
    <div class="tabs" role="tablist">
      {tabs.map(([id, label]) => (
        <button role="tab" aria-selected={id === value} class={id === value ? 'on' : ''} onClick={() => onChange(id)}>
          {label}
        </button>
      ))}
    </div>
  );
}

// Calls load() now and every `everyMs` (if given) while mounted; keeps the
// last result, the last error and whether a load is running. `deps` restart it.
export function usePoll(load, deps, everyMs = 0) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  useEffect(() => {
    let stopped = false;
    let timer = null;
    const run = async () => {
      const my = ++seq.current;
      setState((s) => ({ ...s, loading: true }));
      try {
        const data = await load();
        if (!stopped && my === seq.current) setState({ data, error: null, loading: false });
      } catch (error) {
        if (!stopped && my === seq.current) setState((s) => ({ data: s.data, error, loading: false }));
      }
      if (!stopped && everyMs > 0) timer = setTimeout(run, everyMs);
    };
    run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  return state;
}

export function Loading({ when }) {
  return when ? <span class="loading">loading…</span> : null;
}
