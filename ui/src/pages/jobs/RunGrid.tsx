// Airflow's grid: columns are runs (newest right), rows are tasks, cells coloured by the
// task's state in that run. Clicking a run's header or any of its cells selects the run.
// Rows are virtualized: a 300-task job renders only the rows in view.
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useRef } from "react";
import type { RunsGrid } from "../../api/jobs";
import { colourOf, formatTime } from "./states";

const ROW_HEIGHT = 18;

export const RunGrid = memo(function RunGrid(props: {
  grid: RunsGrid;
  selected: number | undefined;
  onSelect: (runId: number) => void;
}) {
  const { grid, selected, onSelect } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: grid.task_keys.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 600, height: 520 }, // render the first rows in the first pass
  });
  const pick = (e: React.MouseEvent) => {
    const run = (e.target as HTMLElement).dataset.run;
    if (run) onSelect(Number(run));
  };
  return (
    <div
      className="run-grid"
      ref={scroller}
      role="grid"
      aria-label="Runs by task"
      aria-rowcount={grid.task_keys.length + 1}
      onClick={pick}
    >
      <div className="grid-line head" role="row">
        <span className="grid-key muted">task \ run</span>
        {grid.runs.map((r) => (
          <button
            key={r.run_id}
            type="button"
            className={`run-head${r.run_id === selected ? " selected" : ""}`}
            data-run={r.run_id}
            data-state={r.state}
            style={{ background: colourOf(r.state) }}
            title={`run ${r.run_id}: ${r.state} (${formatTime(r.start_time)})`}
            aria-label={`run ${r.run_id}: ${r.state}`}
            aria-pressed={r.run_id === selected}
          />
        ))}
      </div>
      <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {virtualizer.getVirtualItems().map((item) => {
          const key = grid.task_keys[item.index]!;
          return (
            <div
              className="grid-line"
              role="row"
              aria-rowindex={item.index + 2}
              key={key}
              data-task={key}
              style={{ position: "absolute", top: item.start, left: 0 }}
            >
              <span className="grid-key" title={key}>
                {key}
              </span>
              {grid.runs.map((r) => {
                const state = r.tasks[key];
                return (
                  <span
                    key={r.run_id}
                    className={`cell${r.run_id === selected ? " selected" : ""}`}
                    data-run={r.run_id}
                    data-state={state ?? "none"}
                    style={{ background: colourOf(state) }}
                    title={`${key} in run ${r.run_id}: ${state ?? "not run"}`}
                  />
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
});
