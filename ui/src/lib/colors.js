// A palette whose neighbours stay distinguishable (after Tableau 10 and
// Grafana's classic palette), cycled for charts with many series.
export const PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7',
  '#9c755f', '#bab0ac', '#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#17becf',
];

export function color(i) {
  return PALETTE[i % PALETTE.length];
}
