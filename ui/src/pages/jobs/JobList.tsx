// The jobs list: schedule, paused state, the latest runs as coloured squares, the next run,
// and the job files that failed to load (file and line).
import { Link } from "react-router";
import { messageOf } from "../../api/client";
import { JOBS, type JobsOverview } from "../../api/jobs";
import type { Job, JobsList } from "../../api/types";
import { useApi } from "../../api/useApi";
import { colourOf, formatTime } from "./states";

export function JobList() {
  const jobs = useApi<JobsList>(`${JOBS}/list?limit=100`);
  const overview = useApi<JobsOverview>(`${JOBS}/overview?runs=10`);
  const byId = new Map((overview.data?.jobs ?? []).map((j) => [j.job_id, j]));
  const errors = jobs.data?.load_errors ?? [];
  return (
    <>
      <h1>Jobs</h1>
      {jobs.loading && <p className="loading">Loading…</p>}
      {jobs.error !== undefined && <p className="error-box">{messageOf(jobs.error)}</p>}
      {errors.length > 0 && (
        <section aria-label="Load errors">
          <h2>Job files that failed to load</h2>
          {errors.map((e) => {
            const line = /line (\d+)/.exec(e.message)?.[1];
            return (
              <div className="error-box load-error" key={e.file} style={{ marginBottom: 8 }}>
                <strong className="load-error-file">{jobFile(e.file)}</strong>
                {line && <span className="load-error-line">, line {line}</span>}
                {"\n"}
                {e.message}
              </div>
            );
          })}
        </section>
      )}
      {jobs.data && (
        <>
          <table className="plain" aria-label="Jobs">
            <thead>
              <tr>
                <th>Job</th>
                <th>Schedule</th>
                <th>State</th>
                <th>Last runs</th>
                <th>Next run</th>
                <th>Tasks</th>
              </tr>
            </thead>
            <tbody>
              {(jobs.data.jobs ?? []).map((job) => {
                const info = byId.get(job.job_id);
                return (
                  <tr key={job.job_id} data-job={job.settings.name}>
                    <td>
                      <Link to={`/jobs/${job.job_id}`}>{job.settings.name}</Link>
                      {job.settings.description && <div className="muted">{job.settings.description}</div>}
                    </td>
                    <td>{schedule(job)}</td>
                    <td className="job-paused">{info?.paused ? <span className="chip">paused</span> : "active"}</td>
                    <td className="last-runs">
                      {[...(info?.recent_runs ?? [])].reverse().map((r) => (
                        <Link
                          key={r.run_id}
                          to={`/jobs/${job.job_id}?run=${r.run_id}`}
                          className="state-square"
                          data-state={r.state}
                          style={{ background: colourOf(r.state) }}
                          title={`run ${r.run_id}: ${r.state} (${formatTime(r.start_time)})`}
                          aria-label={`run ${r.run_id}: ${r.state}`}
                        />
                      ))}
                    </td>
                    <td>{info?.paused ? "paused" : formatTime(info?.next_run_time)}</td>
                    <td>{job.settings.tasks.length}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {(jobs.data.jobs ?? []).length === 0 && (
            <p className="muted">No jobs: put job files in the home's jobs folder.</p>
          )}
        </>
      )}
    </>
  );
}

/** The job file's path inside the jobs folder (the server gives where it is on disk). */
function jobFile(file: string): string {
  const at = file.lastIndexOf("/jobs/");
  return at >= 0 ? file.slice(at + "/jobs/".length) : file;
}

export function schedule(job: Job): string {
  const s = job.settings.schedule;
  if (!s) return "manual";
  return `${s.quartz_cron_expression} (${s.timezone_id})`;
}
