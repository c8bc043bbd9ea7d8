// Line charts of per-epoch (or per-step) series, drawn by uPlot.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const COLORS = ["#2b62d9", "#d9822b", "#2bb673", "#b32bd9", "#d92b4d"];

/** How one series is drawn (default: a 2 px line in the next colour, no gaps bridged) */
export interface SeriesStyle {
  color?: string;
  width?: number;
  /** draw each point as a dot (true), never (false), or where they are far apart (unset) */
  points?: boolean;
  /** join points across missing values (a sparse series on a dense x axis) */
  spanGaps?: boolean;
}

export interface LineChartProps {
  title: string;
  xLabel: string;
  yLabel: string;
  series: string[];
  styles?: SeriesStyle[];
  /** x values, then one array per series (null: no point) */
  data: [number[], ...(number | null)[][]];
  width?: number;
  height?: number;
}

function seriesOptions(label: string, i: number, s: SeriesStyle = {}): uPlot.Series {
  return {
    label,
    stroke: s.color ?? COLORS[i % COLORS.length],
    width: s.width ?? 2,
    spanGaps: s.spanGaps ?? false,
    // unset: uPlot's own choice (dots only where the points are far apart)
    ...(s.points !== undefined ? { points: { show: s.points } } : {}),
  };
}

function nulls(ys: ArrayLike<number | null | undefined>): number {
  let n = 0;
  for (let i = 0; i < ys.length; i++) if (ys[i] === null || ys[i] === undefined) n++;
  return n;
}

/** Each series' number of drawn points, read back from the plot (the page's tests check it). */
const pointCounts = (p: uPlot): string =>
  p.data
    .slice(1)
    .map((ys) => (ys as ArrayLike<number | null | undefined>).length - nulls(ys))
    .join(",");

/** The plot is built when the series change and only fed new data otherwise, so live updates stay cheap. */
export function LineChart({ title, xLabel, yLabel, series, styles, data, width = 560, height = 260 }: LineChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = series.join("\n") + JSON.stringify(styles ?? []);
  useEffect(() => {
    const opts: uPlot.Options = {
      title,
      width,
      height,
      scales: { x: { time: false } },
      axes: [{ label: xLabel }, { label: yLabel }],
      series: [{ label: xLabel }, ...series.map((s, i) => seriesOptions(s, i, styles?.[i]))],
    };
    plot.current = new uPlot(opts, data as uPlot.AlignedData, el.current!);
    el.current!.dataset.points = pointCounts(plot.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // rebuilt only for a new set of series; data flows in through setData below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, title, xLabel, yLabel, width, height]);
  useEffect(() => {
    if (!plot.current) return;
    plot.current.setData(data as uPlot.AlignedData);
    el.current!.dataset.points = pointCounts(plot.current);
  }, [data]);
  return <div class="curve" ref={el} />;
}
