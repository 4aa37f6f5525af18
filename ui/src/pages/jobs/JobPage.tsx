// A job: its DAG coloured by the selected run, the grid of recent runs x tasks, the Gantt
// of the selected run, and the buttons run now (with its parameters), pause/unpause,
// repair and cancel. Polls while a run is active.
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { messageOf } from "../../api/client";
import {
  cancelRun,
  isActive,
  JOBS,
  repairRun,
  runNow,
  setPaused,
  stateName,
  type JobsOverview,
  type RunDetail,
  type RunsGrid,
} from "../../api/jobs";
import type { Job } from "../../api/types";
import { useApi, usePolling } from "../../api/useApi";
import { DagGraph, preloadLayout } from "./DagGraph";
import { Gantt } from "./Gantt";
import { schedule } from "./JobList";
import { RunGrid } from "./RunGrid";
import { formatTime } from "./states";

const GRID_RUNS = 50;
const POLL_MS = 1000;
const TASKS_SHOWN = 50; // the task table's first rows (the graph and grid show them all)
const REPAIRABLE = new Set(["failed", "timed_out", "canceled"]);

export function JobPage({ jobId }: { jobId: number }) {
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const job = useApi<Job>(`${JOBS}/get?job_id=${jobId}`);
  const overview = useApi<JobsOverview>(`${JOBS}/overview?runs=1&job_id=${jobId}`);
  const grid = useApi<RunsGrid>(`${JOBS}/grid?job_id=${jobId}&limit=${GRID_RUNS}`);
  const runs = grid.data?.runs ?? [];
  // The latest run comes with the overview (quicker than the grid), so it loads alongside.
  const latest = overview.data?.jobs.find((j) => j.job_id === jobId)?.recent_runs[0]?.run_id;
  const selected = Number(search.get("run")) || latest || runs.at(-1)?.run_id;
  const run = useApi<RunDetail>(selected ? `${JOBS}/runs/get?run_id=${selected}` : null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [form, setForm] = useState<Record<string, string> | null>(null);
  const [allTasks, setAllTasks] = useState(false);

  useEffect(preloadLayout, []);

  const runState = run.data ? stateName(run.data.state) : undefined;
  const active = runs.some((r) => isActive(r.state)) || (runState !== undefined && isActive(runState));
  usePolling(active, POLL_MS, grid.reload, run.reload);

  const select = useCallback((runId: number) => setSearch({ run: String(runId) }), [setSearch]);

  async function act(action: () => Promise<unknown>, after?: (result: unknown) => void) {
    setBusy(true);
    setActionError(null);
    try {
      const result = await action();
      after?.(result);
      grid.reload();
      run.reload();
      overview.reload();
      job.reload();
    } catch (error) {
      setActionError(messageOf(error));
    } finally {
      setBusy(false);
    }
  }

  if (job.error !== undefined) return <p className="error-box">{messageOf(job.error)}</p>;
  if (!job.data) return <p className="loading">Loading…</p>;
  const settings = job.data.settings;
  const params = settings.parameters ?? [];
  const paused = overview.data?.jobs.find((j) => j.job_id === jobId)?.paused ?? false;
  const gridRun = runs.find((r) => r.run_id === selected);
  const taskStates: Record<string, string> = gridRun
    ? gridRun.tasks
    : Object.fromEntries((run.data?.tasks ?? []).map((t) => [t.task_key, stateName(t.state)]));
  const startRun = (values: Record<string, string>) =>
    act(
      () => runNow(jobId, values),
      (r) => {
        setForm(null);
        select((r as { run_id: number }).run_id);
      },
    );

  return (
    <>
      <div className="crumbs">
        <Link to="/jobs">Jobs</Link> /
      </div>
      <h1>
        {settings.name} {paused && <span className="chip">paused</span>}
      </h1>
      {settings.description && <p className="muted">{settings.description}</p>}
      <p>
        Schedule: {schedule(job.data)} · {settings.tasks.length} tasks
      </p>
      <div className="job-actions" role="toolbar" aria-label="Job actions">
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => {
            if (params.length === 0) void startRun({});
            else setForm(form ? null : Object.fromEntries(params.map((p) => [p.name, p.default ?? ""])));
          }}
        >
          Run now
        </button>
        <button type="button" disabled={busy} onClick={() => void act(() => setPaused(jobId, !paused))}>
          {paused ? "Unpause" : "Pause"}
        </button>
        <button
          type="button"
          disabled={busy || !selected || !runState || !REPAIRABLE.has(runState)}
          onClick={() => selected && void act(() => repairRun(selected))}
        >
          Repair run
        </button>
        <button
          type="button"
          disabled={busy || !selected || !runState || !isActive(runState)}
          onClick={() => selected && void act(() => cancelRun(selected))}
        >
          Cancel run
        </button>
        {selected && (
          <span className="muted" data-testid="selected-run">
            run {selected}: <span data-state={runState}>{runState ?? "…"}</span>
            {run.data?.start_time ? ` · started ${formatTime(run.data.start_time)}` : ""}
          </span>
        )}
      </div>
      {form && (
        <form
          className="param-form panel"
          aria-label="Run parameters"
          onSubmit={(e) => {
            e.preventDefault();
            void startRun(form);
          }}
        >
          {params.map((p) => (
            <label key={p.name}>
              {p.name}
              <input
                type="text"
                value={form[p.name] ?? ""}
                onChange={(e) => setForm({ ...form, [p.name]: e.target.value })}
              />
            </label>
          ))}
          <button type="submit" className="primary" disabled={busy}>
            Start run
          </button>
          <button type="button" onClick={() => setForm(null)}>
            Close
          </button>
        </form>
      )}
      {actionError && <p className="error-box">{actionError}</p>}
      {run.data?.state?.state_message && <p className="muted">{run.data.state.state_message}</p>}
      <div className="job-columns">
        <section aria-label="Graph">
          <h2>Graph</h2>
          <DagGraph
            tasks={settings.tasks}
            states={taskStates}
            onOpen={(key) => selected && navigate(`/jobs/${jobId}/runs/${selected}/tasks/${encodeURIComponent(key)}`)}
          />
        </section>
        <section aria-label="Runs">
          <h2>Runs</h2>
          {grid.error !== undefined && <p className="error-box">{messageOf(grid.error)}</p>}
          {grid.data && runs.length === 0 && <p className="muted">No runs yet.</p>}
          {grid.data && runs.length > 0 && <RunGrid grid={grid.data} selected={selected} onSelect={select} />}
        </section>
      </div>
      {selected && (
        <section aria-label="Selected run">
          <h2>Run {selected}</h2>
          {run.error !== undefined && <p className="error-box">{messageOf(run.error)}</p>}
          {run.data && <MlflowRuns tasks={run.data.tasks ?? []} />}
          {run.data && <Gantt jobId={jobId} runId={selected} tasks={run.data.tasks ?? []} />}
        </section>
      )}
      <section aria-label="Task list">
        <h2>Tasks</h2>
        <table className="plain" aria-label="Tasks">
          <thead>
            <tr>
              <th>Task</th>
              <th>Depends on</th>
            </tr>
          </thead>
          <tbody>
            {(allTasks ? settings.tasks : settings.tasks.slice(0, TASKS_SHOWN)).map((t) => (
              <tr key={t.task_key}>
                <td>
                  <code>{t.task_key}</code>
                </td>
                <td>{(t.depends_on ?? []).map((d) => d.task_key).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!allTasks && settings.tasks.length > TASKS_SHOWN && (
          <button type="button" onClick={() => setAllTasks(true)}>
            Show all {settings.tasks.length} tasks
          </button>
        )}
      </section>
    </>
  );
}

/** The MLflow runs the selected run's tasks logged, each a link into MLflow's UI. */
function MlflowRuns({ tasks }: { tasks: NonNullable<RunDetail["tasks"]> }) {
  const tracked = tasks.filter((t) => (t.mlflow_runs ?? []).length > 0);
  if (tracked.length === 0) return null;
  return (
    <p className="mlflow-runs" aria-label="MLflow runs">
      MLflow runs:{" "}
      {tracked.flatMap((t) =>
        (t.mlflow_runs ?? []).map((m) => (
          <a key={m.run_id} href={m.url} className="chip" title={`MLflow run ${m.run_id}`}>
            {t.task_key} · {m.run_id.slice(0, 8)}
          </a>
        )),
      )}
    </p>
  );
}
