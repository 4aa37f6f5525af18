// The Lineage tab: job tasks that wrote the table, job tasks and MLflow runs that read it.
import { messageOf } from "../../api/client";
import { getTableLineage, type TaskRef } from "../../api/catalog";
import { useLoad } from "../../api/useApi";

export function Lineage({ fullName }: { fullName: string }) {
  const lineage = useLoad(`lineage:${fullName}`, (signal) => getTableLineage(fullName, signal));
  if (lineage.error !== undefined) return <p className="error-box">{messageOf(lineage.error)}</p>;
  if (!lineage.data) return <p className="loading">Loading lineage…</p>;
  const { writers, readers, mlflow_runs: runs } = lineage.data;
  return (
    <>
      <h2>Written by</h2>
      {writers.length === 0 ? (
        <p className="muted">No job task wrote this table (its versions were written outside jobs).</p>
      ) : (
        <table className="plain" aria-label="Writers">
          <thead>
            <tr>
              <th>Job</th>
              <th>Run</th>
              <th>Task</th>
              <th>Try</th>
              <th>Versions</th>
              <th>Last written</th>
            </tr>
          </thead>
          <tbody>
            {writers.map((w) => (
              <tr key={taskKey(w)}>
                <TaskCells task={w} />
                <td>{w.versions.join(", ")}</td>
                <td>{w.last_written_at ? new Date(w.last_written_at).toLocaleString() : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Read by</h2>
      {readers.length === 0 ? (
        <p className="muted">No job task has read this table.</p>
      ) : (
        <table className="plain" aria-label="Readers">
          <thead>
            <tr>
              <th>Job</th>
              <th>Run</th>
              <th>Task</th>
              <th>Try</th>
              <th>Versions</th>
              <th>Last read</th>
              <th>MLflow runs</th>
            </tr>
          </thead>
          <tbody>
            {readers.map((r) => (
              <tr key={taskKey(r)}>
                <TaskCells task={r} />
                <td>{r.versions.join(", ")}</td>
                <td>{r.last_read_at ? new Date(r.last_read_at).toLocaleString() : ""}</td>
                <td>{r.mlflow_run_ids.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>MLflow runs using it as input</h2>
      {lineage.data.mlflow_error ? (
        <p className="error-box">{lineage.data.mlflow_error}</p>
      ) : runs.length === 0 ? (
        <p className="muted">No MLflow run has this table as a dataset input.</p>
      ) : (
        <table className="plain" aria-label="MLflow runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Started</th>
              <th>Versions read</th>
              <th>Job task</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.run_id}>
                <td>
                  <a href={run.url}>{run.run_name || run.run_id}</a>
                </td>
                <td>{run.status.toLowerCase()}</td>
                <td>{run.start_time ? new Date(run.start_time).toLocaleString() : ""}</td>
                <td>{run.versions.join(", ")}</td>
                <td>{run.task ? `${run.task.job ?? ""} / ${run.task.task ?? ""}` : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function TaskCells({ task }: { task: TaskRef }) {
  return (
    <>
      <td>{task.job ?? ""}</td>
      <td>{task.run_id ?? ""}</td>
      <td>
        <code>{task.task ?? ""}</code>
      </td>
      <td>{task.try ?? ""}</td>
    </>
  );
}

function taskKey(task: TaskRef): string {
  return [task.job, task.run_id, task.task, task.try].join("/");
}
