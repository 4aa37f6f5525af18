// A task of a run: its log (tailed live while it runs), value, error, timing, tries, MLflow
// runs and, for a notebook task, the executed notebook.
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { isAbort, messageOf } from "../../api/client";
import { isActive, JOBS, stateName, taskLog, type RunDetail, type TaskOutput } from "../../api/jobs";
import { useApi, usePolling } from "../../api/useApi";
import { colourOf, formatDuration, formatTime } from "./states";

const POLL_MS = 1000;
const MAX_LOG_CHARS = 2_000_000; // keep the end of a huge log, not all of it

export function TaskTryPage(props: { jobId: string; runId: number; taskKey: string }) {
  const { jobId, runId, taskKey } = props;
  const run = useApi<RunDetail>(`${JOBS}/runs/get?run_id=${runId}`);
  const task = run.data?.tasks?.find((t) => t.task_key === taskKey);
  const output = useApi<TaskOutput>(task ? `${JOBS}/runs/get-output?run_id=${task.run_id}` : null);
  const state = task ? stateName(task.state) : undefined;
  const running = state !== undefined && isActive(state);
  usePolling(running, POLL_MS, run.reload, output.reload);

  if (run.error !== undefined) return <p className="error-box">{messageOf(run.error)}</p>;
  if (!run.data) return <p className="loading">Loading…</p>;
  if (!task)
    return (
      <p className="error-box">
        Run {runId} has no task “{taskKey}”.
      </p>
    );
  const duration = task.start_time ? (task.end_time || Date.now()) - task.start_time : 0;
  const out = output.data;
  return (
    <>
      <div className="crumbs">
        <Link to="/jobs">Jobs</Link> / <Link to={`/jobs/${jobId}?run=${runId}`}>{run.data.run_name ?? jobId}</Link> /
        run {runId} /
      </div>
      <h1>
        {taskKey}{" "}
        <span className="chip" data-testid="task-state" data-state={state} style={{ background: colourOf(state) }}>
          {state}
        </span>
      </h1>
      {task.state.state_message && <p className="muted">{task.state.state_message}</p>}
      <dl className="details" aria-label="Timing">
        <dt>Started</dt>
        <dd>{formatTime(task.start_time) || "not yet"}</dd>
        <dt>Ended</dt>
        <dd>{formatTime(task.end_time) || (task.start_time ? "running" : "")}</dd>
        <dt>Duration</dt>
        <dd>{duration ? formatDuration(duration) : ""}</dd>
        <dt>Tries</dt>
        <dd data-testid="tries">{task.start_time ? task.attempt_number + 1 : 0}</dd>
        <dt>Task value</dt>
        <dd>
          <code data-testid="task-value">{out ? JSON.stringify(out.task_value ?? null) : "…"}</code>
        </dd>
        {(task.mlflow_runs ?? []).length > 0 && (
          <>
            <dt>MLflow runs</dt>
            <dd>
              {(task.mlflow_runs ?? []).map((m) => (
                <a key={m.run_id} href={`/mlflow/#/runs/${m.run_id}`} style={{ marginRight: 8 }}>
                  {m.run_id}
                </a>
              ))}
            </dd>
          </>
        )}
        {out?.notebook_url && (
          <>
            <dt>Notebook</dt>
            <dd>
              <a href={out.notebook_url} target="_blank" rel="noreferrer">
                Rendered notebook
              </a>
            </dd>
          </>
        )}
      </dl>
      {out?.error && (
        <pre className="error-box" aria-label="Error">
          {out.error_trace ?? out.error}
        </pre>
      )}
      <h2>Log</h2>
      <TaskLog key={task.run_id} taskRunId={task.run_id} live={running} />
    </>
  );
}

/** The task's log, read from an offset and tailed until the server says it is complete. */
function TaskLog({ taskRunId, live }: { taskRunId: number; live: boolean }) {
  const [text, setText] = useState("");
  const [complete, setComplete] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const controller = new AbortController();
    let offset = 0;
    let timer: number | undefined;
    const read = async () => {
      try {
        for (;;) {
          const chunk = await taskLog(taskRunId, offset, controller.signal);
          const grew = chunk.next_offset > offset;
          offset = chunk.next_offset;
          if (chunk.text) {
            const box = pre.current;
            const atBottom = !box || box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
            setText((t) => (t + chunk.text).slice(-MAX_LOG_CHARS));
            if (atBottom)
              requestAnimationFrame(() => pre.current && (pre.current.scrollTop = pre.current.scrollHeight));
          }
          if (chunk.complete) {
            setComplete(true);
            return;
          }
          if (!grew) break; // caught up: wait for more
        }
        timer = window.setTimeout(read, POLL_MS);
      } catch (e) {
        if (!isAbort(e)) setError(messageOf(e));
      }
    };
    void read();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [taskRunId]);

  return (
    <>
      {error && <p className="error-box">{error}</p>}
      <pre className="task-log" ref={pre} aria-label="Task log" data-complete={complete}>
        {text || (complete ? "(empty log)" : "waiting for the log…")}
      </pre>
      {!complete && <p className="muted">{live ? "Live: following the log…" : "Waiting for the task…"}</p>}
    </>
  );
}
