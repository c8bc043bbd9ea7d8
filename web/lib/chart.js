// Line charts of per-epoch (or per-step) series with uPlot.
import uPlot from "/vendor/uplot/uPlot.esm.js";

const COLORS = ["#2b62d9", "#d9822b", "#2bb673", "#b32bd9", "#d92b4d"];

/** A chart of named series against x; `set(xs, ...ys)` redraws it. */
export function lineChart(el, { title, xLabel, yLabel, series, width = 560, height = 260 }) {
  const opts = {
    title,
    width,
    height,
    scales: { x: { time: false } },
    axes: [{ label: xLabel }, { label: yLabel }],
    series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s, stroke: COLORS[i % COLORS.length], width: 2 }))],
  };
  const plot = new uPlot(opts, [[], ...series.map(() => [])], el);
  return {
    set: (xs, ...ys) => plot.setData([xs, ...ys]),
    destroy: () => plot.destroy(),
  };
}
