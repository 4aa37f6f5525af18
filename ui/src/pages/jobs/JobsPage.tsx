// Jobs for now: the list with schedules and load errors, and a job's tasks and recent runs.
// (The DAG, the runs x tasks grid and the run controls come with the jobs pages.)
import { Link, useParams } from "react-router";
import { messageOf } from "../../api/client";
import type { Job, JobRun, JobsList } from "../../api/types";
import { useApi } from "../../api/useApi";

export default function JobsPage() {
  const { jobId } = useParams();
  return <main className="page">{jobId ? <JobDetail jobId={jobId} /> : <JobList />}</main>;
}

function JobList() {
  const jobs = useApi<JobsList>("/api/2.2/jobs/list?limit=100");
  return (
    <>
      <h1>Jobs</h1>
      {jobs.loading && <p className="loading">Loading…</p>}
      {jobs.error !== undefined && <p className="error-box">{messageOf(jobs.error)}</p>}
      {jobs.data && (
        <>
          {(jobs.data.load_errors ?? []).length > 0 && (
            <section aria-label="Load errors">
              <h2>Job files that failed to load</h2>
              {(jobs.data.load_errors ?? []).map((e) => (
                <div className="error-box" key={e.file} style={{ marginBottom: 8 }}>
                  <strong>{e.file}</strong>
                  {"\n"}
                  {e.message}
                </div>
              ))}
            </section>
          )}
          <table className="plain" aria-label="Jobs">
            <thead>
              <tr>
                <th>Job</th>
                <th>Tasks</th>
                <th>Schedule</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {(jobs.data.jobs ?? []).map((job) => (
                <tr key={job.job_id}>
                  <td>
                    <Link to={`/jobs/${job.job_id}`}>{job.settings.name}</Link>
                  </td>
                  <td>{job.settings.tasks.length}</td>
                  <td>{schedule(job)}</td>
                  <td>{job.settings.description ?? ""}</td>
                </tr>
              ))}
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

function schedule(job: Job): string {
  const s = job.settings.schedule;
  if (!s) return "manual";
  return `${s.quartz_cron_expression} (${s.timezone_id})${s.pause_status === "PAUSED" ? " · paused" : ""}`;
}

function JobDetail({ jobId }: { jobId: string }) {
  const job = useApi<Job>(`/api/2.2/jobs/get?job_id=${encodeURIComponent(jobId)}`);
  const runs = useApi<{ runs?: JobRun[] }>(`/api/2.2/jobs/runs/list?job_id=${encodeURIComponent(jobId)}&limit=25`);
  return (
    <>
      <div className="crumbs">
        <Link to="/jobs">Jobs</Link> /
      </div>
      {job.error !== undefined && <p className="error-box">{messageOf(job.error)}</p>}
      {job.data && (
        <>
          <h1>{job.data.settings.name}</h1>
          <p className="muted">{job.data.settings.description ?? ""}</p>
          <p>Schedule: {schedule(job.data)}</p>
          <h2>Tasks</h2>
          <table className="plain" aria-label="Tasks">
            <thead>
              <tr>
                <th>Task</th>
                <th>Depends on</th>
              </tr>
            </thead>
            <tbody>
              {job.data.settings.tasks.map((t) => (
                <tr key={t.task_key}>
                  <td>
                    <code>{t.task_key}</code>
                  </td>
                  <td>{(t.depends_on ?? []).map((d) => d.task_key).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Recent runs</h2>
      {runs.error !== undefined && <p className="error-box">{messageOf(runs.error)}</p>}
      {runs.data && (runs.data.runs ?? []).length === 0 && <p className="muted">No runs yet.</p>}
      {runs.data && (runs.data.runs ?? []).length > 0 && (
        <table className="plain" aria-label="Runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>State</th>
              <th>Started</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {(runs.data.runs ?? []).map((r) => (
              <tr key={r.run_id}>
                <td>{r.run_id}</td>
                <td>{r.state?.result_state ?? r.state?.life_cycle_state ?? ""}</td>
                <td>{r.start_time ? new Date(r.start_time).toLocaleString() : ""}</td>
                <td>{r.state?.state_message ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
