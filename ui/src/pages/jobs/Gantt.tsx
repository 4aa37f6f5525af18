// The selected run's tasks on a time line: a bar from each task's start to its end (to now
// while it runs), in the order they started.
import { useNavigate } from "react-router";
import { stateName, type TaskRun } from "../../api/jobs";
import { colourOf, formatDuration } from "./states";

export function Gantt(props: { jobId: number; runId: number; tasks: TaskRun[] }) {
  const { jobId, runId, tasks } = props;
  const navigate = useNavigate();
  const started = tasks.filter((t) => t.start_time > 0).sort((a, b) => a.start_time - b.start_time);
  if (started.length === 0) return <p className="muted">No task of this run has started yet.</p>;
  const now = Date.now();
  const begin = started[0]!.start_time;
  const end = Math.max(...started.map((t) => t.end_time || now));
  const span = Math.max(end - begin, 1);
  return (
    <div
      className="gantt"
      role="list"
      aria-label="Gantt"
      onClick={(e) => {
        // One handler for all rows' links (plain <a>: cheaper than a router Link per task).
        const link = (e.target as HTMLElement).closest("a");
        if (link && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
          e.preventDefault();
          navigate(link.getAttribute("href")!);
        }
      }}
    >
      {started.map((t) => {
        const stop = t.end_time || now;
        const state = stateName(t.state);
        return (
          <div className="gantt-row" role="listitem" key={t.run_id}>
            <a className="gantt-key" href={`/jobs/${jobId}/runs/${runId}/tasks/${encodeURIComponent(t.task_key)}`}>
              {t.task_key}
            </a>
            <div className="gantt-track">
              <div
                className="gantt-bar"
                data-state={state}
                title={`${t.task_key}: ${state}, ${formatDuration(stop - t.start_time)}`}
                style={{
                  left: `${((t.start_time - begin) / span) * 100}%`,
                  width: `${((stop - t.start_time) / span) * 100}%`,
                  background: colourOf(state),
                }}
              />
            </div>
          </div>
        );
      })}
      <div className="muted" style={{ marginTop: 4 }}>
        {formatDuration(span)} from the first start to the last end
      </div>
    </div>
  );
}
