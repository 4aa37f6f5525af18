import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";
import type { ResultColumn } from "../api/types";

const ROW_HEIGHT = 27;
const CHAR_WIDTH = 7.6; // 12.5px monospace
const NUMERIC = new Set(["BYTE", "SHORT", "INT", "LONG", "FLOAT", "DOUBLE", "DECIMAL"]);

interface Props {
  columns: ResultColumn[];
  rows: (string | null)[][];
  label: string;
  height?: number | string;
}

/**
 * A result as a grid: column names with their types, a row number column, and only the rows
 * in view rendered (10,000 rows cost what 40 do).
 */
export function ResultGrid({ columns, rows, label, height }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const widths = useMemo(() => columnWidths(columns, rows), [columns, rows]);
  const numberWidth = Math.max(44, String(rows.length).length * CHAR_WIDTH + 20);
  const totalWidth = numberWidth + widths.reduce((a, b) => a + b, 0);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const numeric = columns.map((c) => NUMERIC.has(c.type_name));

  return (
    <div
      className="grid"
      ref={scroller}
      role="grid"
      aria-label={label}
      aria-rowcount={rows.length + 1}
      aria-colcount={columns.length}
      tabIndex={0}
      style={height !== undefined ? { height } : undefined}
      data-testid="result-grid"
    >
      <div className="grid-header" role="row" aria-rowindex={1} style={{ width: totalWidth }}>
        <div className="grid-head grid-rownum" style={{ width: numberWidth }} aria-hidden="true">
          #
        </div>
        {columns.map((column, i) => (
          <div
            className="grid-head"
            role="columnheader"
            key={i}
            style={{ width: widths[i] }}
            title={`${column.name}: ${column.type_text}`}
          >
            {column.name}
            <span className="type">{column.type_text.toLowerCase()}</span>
          </div>
        ))}
      </div>
      <div style={{ height: virtualizer.getTotalSize(), width: totalWidth, position: "relative" }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index] ?? [];
          return (
            <div
              className={item.index % 2 ? "grid-row odd" : "grid-row"}
              role="row"
              aria-rowindex={item.index + 2}
              key={item.key}
              style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT, width: totalWidth }}
            >
              <div className="grid-cell grid-rownum" style={{ width: numberWidth }} aria-hidden="true">
                {item.index + 1}
              </div>
              {columns.map((_, c) => {
                const value = row[c] ?? null;
                return (
                  <div
                    role="gridcell"
                    key={c}
                    className={value === null ? "grid-cell null" : numeric[c] ? "grid-cell num" : "grid-cell"}
                    style={{ width: widths[c] }}
                    title={value !== null && value.length * CHAR_WIDTH > (widths[c] ?? 0) - 16 ? value : undefined}
                  >
                    {value === null ? "null" : value}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** Widths from the header and the first 200 rows: wide enough to read, capped at 420 px. */
function columnWidths(columns: ResultColumn[], rows: (string | null)[][]): number[] {
  const sample = rows.slice(0, 200);
  return columns.map((column, c) => {
    let longest = Math.max(column.name.length + 1, column.type_text.length * 0.9);
    for (const row of sample) {
      const value = row[c];
      longest = Math.max(longest, value === null || value === undefined ? 4 : value.length);
    }
    return Math.round(Math.min(420, Math.max(64, longest * CHAR_WIDTH + 18)));
  });
}
