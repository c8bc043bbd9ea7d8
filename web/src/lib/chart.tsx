// Line charts of per-epoch (or per-step) series, drawn by uPlot.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const COLORS = ["#2b62d9", "#d9822b", "#2bb673", "#b32bd9", "#d92b4d"];

export interface LineChartProps {
  title: string;
  xLabel: string;
  yLabel: string;
  series: string[];
  /** x values, then one array per series (null: no point) */
  data: [number[], ...(number | null)[][]];
  width?: number;
  height?: number;
}

/** The plot is built when the series change and only fed new data otherwise, so live updates stay cheap. */
export function LineChart({ title, xLabel, yLabel, series, data, width = 560, height = 260 }: LineChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = series.join("\n");
  useEffect(() => {
    const opts: uPlot.Options = {
      title,
      width,
      height,
      scales: { x: { time: false } },
      axes: [{ label: xLabel }, { label: yLabel }],
      series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s, stroke: COLORS[i % COLORS.length], width: 2 }))],
    };
    plot.current = new uPlot(opts, data as uPlot.AlignedData, el.current!);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // rebuilt only for a new set of series; data flows in through setData below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, title, xLabel, yLabel, width, height]);
  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);
  return <div class="curve" ref={el} />;
}
