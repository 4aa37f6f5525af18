// The result as a chart (bar, line or scatter of one column over another), drawn with uPlot.
// Loaded only when the chart is shown, so the SQL page stays small.
import { useEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ResultColumn } from "../api/types";

type Kind = "bar" | "line" | "scatter";
const KINDS: Kind[] = ["bar", "line", "scatter"];
const NUMERIC = new Set(["BYTE", "SHORT", "INT", "LONG", "FLOAT", "DOUBLE", "DECIMAL"]);
const TIME = new Set(["DATE", "TIMESTAMP", "TIMESTAMP_NTZ"]);
const MAX_BARS = 2000; // more bars than pixels say nothing
const COLOR = "#c2410c";

interface Props {
  columns: ResultColumn[];
  rows: (string | null)[][];
}

export default function ResultChart({ columns, rows }: Props) {
  const numeric = columns.map((c, i) => ({ c, i })).filter(({ c }) => NUMERIC.has(c.type_name));
  const [kind, setKind] = useState<Kind>("bar");
  const [x, setX] = useState(() =>
    defaultX(
      columns,
      numeric.map((n) => n.i),
    ),
  );
  const [y, setY] = useState(() => numeric.find((n) => n.i !== x)?.i ?? numeric[0]?.i ?? -1);
  const host = useRef<HTMLDivElement>(null);
  const data = useMemo(() => chartData(columns, rows, x, y, kind), [columns, rows, x, y, kind]);

  useEffect(() => {
    const element = host.current;
    if (!element || !data) return;
    const plot = new uPlot(options(kind, data, element.clientWidth || 600, 300), [data.xs, data.ys], element);
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth || 600, height: 300 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, kind]);

  if (numeric.length === 0) {
    return <p className="muted">No numeric column to chart: the chart plots a numeric column over another column.</p>;
  }
  return (
    <div className="chart-box" data-testid="result-chart">
      <div className="chart-controls">
        <div className="segmented" role="group" aria-label="Chart type">
          {KINDS.map((k) => (
            <button type="button" key={k} aria-pressed={kind === k} onClick={() => setKind(k)}>
              {k[0]!.toUpperCase() + k.slice(1)}
            </button>
          ))}
        </div>
        <label>
          X{" "}
          <select value={x} onChange={(event) => setX(Number(event.target.value))}>
            {columns.map((c, i) => (
              <option key={i} value={i}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Y{" "}
          <select value={y} onChange={(event) => setY(Number(event.target.value))}>
            {numeric.map(({ c, i }) => (
              <option key={i} value={i}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        {data?.cut && <span className="muted">first {MAX_BARS} rows</span>}
      </div>
      <div
        className="chart-canvas"
        ref={host}
        role="img"
        aria-label={`${kind} chart of ${columns[y]?.name ?? ""} by ${columns[x]?.name ?? ""}`}
      />
    </div>
  );
}

interface ChartData {
  xs: number[];
  ys: (number | null)[];
  labels: string[] | undefined; // category names when X is not a number or time
  time: boolean;
  xName: string;
  yName: string;
  cut: boolean;
}

function defaultX(columns: ResultColumn[], numeric: number[]): number {
  const label = columns.findIndex((c) => !NUMERIC.has(c.type_name));
  if (label >= 0) return label;
  return numeric.length > 1 ? (numeric[0] ?? 0) : 0;
}

function chartData(
  columns: ResultColumn[],
  rows: (string | null)[][],
  x: number,
  y: number,
  kind: Kind,
): ChartData | undefined {
  const xColumn = columns[x];
  const yColumn = columns[y];
  if (!xColumn || !yColumn) return undefined;
  const cut = kind === "bar" && rows.length > MAX_BARS;
  const used = cut ? rows.slice(0, MAX_BARS) : rows;
  const time = TIME.has(xColumn.type_name) && kind !== "bar";
  const numberX = NUMERIC.has(xColumn.type_name) && kind !== "bar";
  let points = used.map((row) => ({ x: row[x] ?? null, y: row[y] == null ? null : Number(row[y]) }));
  let labels: string[] | undefined;
  let xs: number[];
  if (time || numberX) {
    const parsed = points.map((p) => ({ ...p, n: time ? Date.parse(toIso(p.x)) / 1000 : Number(p.x) }));
    const kept = parsed.filter((p) => p.x !== null && Number.isFinite(p.n)).sort((a, b) => a.n - b.n);
    points = kept;
    xs = kept.map((p) => p.n);
  } else {
    labels = points.map((p) => p.x ?? "null");
    xs = points.map((_, i) => i);
  }
  return { xs, ys: points.map((p) => p.y), labels, time, xName: xColumn.name, yName: yColumn.name, cut };
}

function toIso(text: string | null): string {
  return (text ?? "").replace(" ", "T");
}

function options(kind: Kind, data: ChartData, width: number, height: number): uPlot.Options {
  const labels = data.labels;
  const series: uPlot.Series = {
    label: data.yName,
    stroke: COLOR,
    width: kind === "line" ? 2 : 1,
    fill: kind === "bar" ? "rgba(194, 65, 12, 0.65)" : undefined,
    paths: kind === "bar" ? uPlot.paths.bars!({ size: [0.7, 80] }) : kind === "scatter" ? () => null : undefined,
    points:
      kind === "scatter"
        ? { show: true, size: 5, fill: COLOR, stroke: COLOR }
        : { show: kind === "line" && data.xs.length < 60 },
  };
  return {
    width,
    height,
    legend: { show: true },
    cursor: { drag: { x: kind !== "bar", y: false } },
    scales: {
      x: labels ? { time: false, range: () => [-0.5, Math.max(0.5, data.xs.length - 0.5)] } : { time: data.time },
      // Bars grow from zero, else their lengths mislead.
      y: kind === "bar" ? { range: (_u, min, max) => [Math.min(0, min), Math.max(0, max) * 1.05 || 1] } : {},
    },
    axes: [
      {
        label: data.xName,
        ...(labels
          ? {
              values: (_u: uPlot, splits: number[]) =>
                splits.map((i) => (Number.isInteger(i) ? (labels[i] ?? "") : "")),
              space: 40,
            }
          : {}),
      },
      { label: data.yName },
    ],
    series: [
      {
        label: data.xName,
        value: labels ? (_u: uPlot, i: number | null) => (i == null ? "" : (labels[i] ?? "")) : undefined,
      },
      series,
    ],
  };
}
