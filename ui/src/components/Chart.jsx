// A time-series chart: uPlot on a canvas, sized to its container.
//
// `series` is [{label, points: [[unixSeconds, value], ...]}], as a Prometheus
// matrix gives them; series from several queries may be mixed (timestamps
// are merged, gaps stay gaps). Stacked mode draws each series on top of the
// previous ones with filled bands. Drag selects a range to zoom into, the
// wheel zooms around the cursor, shift+drag pans, double-click resets.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { color } from '../lib/colors.js';
import { formatValue } from '../lib/format.js';

// Aligns every series on the union of their timestamps: uPlot's data layout.
export function alignSeries(series) {
  const times = new Set();
  for (const s of series) for (const p of s.points) times.add(p[0]);
  const xs = Float64Array.from(times).sort();
  const index = new Map();
  xs.forEach((t, i) => index.set(t, i));
  const ys = series.map((s) => {
    const col = new Array(xs.length).fill(null);
    for (const [t, v] of s.points) {
      const n = typeof v === 'number' ? v : Number(v);
      col[index.get(t)] = Number.isFinite(n) ? n : null;
    }
    return col;
  });
  return [Array.from(xs), ...ys];
}

// Cumulative sums for stacking (a gap counts as zero so bands stay closed).
function stack(data) {
  const out = [data[0]];
  let below = new Array(data[0].length).fill(0);
  for (let i = 1; i < data.length; i++) {
    const col = data[i].map((v, j) => (v === null ? below[j] : below[j] + v));
    out.push(col);
    below = col;
  }
  return out;
}

function wheelZoomAndPan() {
  return {
    hooks: {
      ready(u) {
        const over = u.over;
        over.addEventListener(
          'wheel',
          (e) => {
            e.preventDefault();
            const { min, max } = u.scales.x;
            if (min === null || max === null) return;
            const at = u.posToVal(e.offsetX, 'x');
            const f = e.deltaY < 0 ? 0.75 : 1 / 0.75;
            u.setScale('x', { min: at - (at - min) * f, max: at + (max - at) * f });
          },
          { passive: false },
        );
        // Capture on the parent runs before uPlot's own drag-to-select.
        over.parentNode.addEventListener(
          'mousedown',
          (e) => {
            if (!e.shiftKey || e.button !== 0) return;
            e.stopPropagation();
            e.preventDefault();
            const x0 = e.clientX;
            const { min, max } = u.scales.x;
            const perPx = (max - min) / over.clientWidth;
            const move = (m) => {
              const dx = (m.clientX - x0) * perPx;
              u.setScale('x', { min: min - dx, max: max - dx });
            };
            const up = () => {
              document.removeEventListener('mousemove', move);
              document.removeEventListener('mouseup', up);
            };
            document.addEventListener('mousemove', move);
            document.addEventListener('mouseup', up);
          },
          true,
        );
      },
    },
  };
}

// A canvas cannot resolve CSS variables, so the theme's colours are read
// from the stylesheet when the chart is made (light or dark alike).
function chartTheme() {
  const css = getComputedStyle(document.documentElement);
  const v = (name, dflt) => css.getPropertyValue(name).trim() || dflt;
  return { muted: v('--muted', '#5d6678'), grid: v('--grid', '#e8ebf0'), font: '11px system-ui, sans-serif' };
}

// The value axis is as wide as its widest label ("18.6 GiB" needs more
// room than "5"), measured with the axis font.
function yAxisSize(u, values, axisIdx, cycleNum) {
  const axis = u.axes[axisIdx];
  if (cycleNum > 1) return axis._size;
  let widest = 0;
  if (values) {
    u.ctx.save();
    u.ctx.font = Array.isArray(axis.font) ? axis.font[0] : axis.font;
    for (const v of values) widest = Math.max(widest, u.ctx.measureText(v).width);
    u.ctx.restore();
  }
  return Math.ceil(widest / devicePixelRatio) + 20;
}

export function Chart({ series, stacked = false, unit = '', height = 320, legend = true, onReady }) {
  const box = useRef(null);
  const plot = useRef(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const theme = chartTheme();
    const raw = alignSeries(series);
    const data = stacked ? stack(raw) : raw;
    const opts = {
      width: Math.max(200, el.clientWidth),
      height,
      pxAlign: 0,
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      legend: { show: legend, live: true },
      scales: { x: { time: true } },
      axes: [
        { stroke: theme.muted, grid: { stroke: theme.grid }, ticks: { stroke: theme.grid }, font: theme.font },
        {
          stroke: theme.muted,
          grid: { stroke: theme.grid },
          ticks: { stroke: theme.grid },
          font: theme.font,
          size: yAxisSize,
          values: (u, splits) => splits.map((v) => formatValue(v, unit)),
        },
      ],
      series: [
        { label: 'time' },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color || color(i),
          width: 1.25,
          fill: stacked ? `${s.color || color(i)}55` : undefined,
          points: { show: false },
          spanGaps: false,
          // The legend shows what the series really is, not the stacked sum.
          value: (u, v, si, idx) => (idx === null || idx === undefined ? '—' : formatValue(raw[si][idx], unit)),
        })),
      ],
      bands: stacked ? series.slice(1).map((_, i) => ({ series: [i + 2, i + 1] })) : [],
      plugins: [wheelZoomAndPan()],
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    if (onReady) onReady(u);
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [series, stacked, unit, height, legend]);

  return <div class="chart" ref={box} />;
}
