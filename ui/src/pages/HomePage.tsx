// Home: what runs now, what failed lately, which tables changed lately.
import { Link } from "react-router";
import { messageOf } from "../api/client";
import { tableIndex } from "../api/catalog";
import type { JobRun, TableInfo } from "../api/types";
import { useApi, useLoad } from "../api/useApi";

export default function HomePage() {
  const active = useApi<{ runs?: JobRun[] }>("/api/2.2/jobs/runs/list?active_only=true&limit=25");
  const finished = useApi<{ runs?: (JobRun & { job_id: number })[] }>(
    "/api/2.2/jobs/runs/list?completed_only=true&limit=50",
  );
  const tables = useLoad<TableInfo[]>("tables", () => tableIndex(true));
  const failures = (finished.data?.runs ?? []).filter((r) => r.state?.result_state === "FAILED").slice(0, 10);
  const recent = [...(tables.data ?? [])].sort((a, b) => (b.updated_at ?? 0) - (a.updated_at ?? 0)).slice(0, 10);
  return (
    <main className="page">
      <h1>Workspace</h1>
      <h2>Running now</h2>
      {active.error !== undefined && <p className="error-box">{messageOf(active.error)}</p>}
      {active.data && <RunList runs={active.data.runs ?? []} empty="Nothing is running." />}
      <h2>Recent failures</h2>
      {finished.error !== undefined && <p className="error-box">{messageOf(finished.error)}</p>}
      {finished.data && <RunList runs={failures} empty="No failed run among the last 50." />}
      <h2>Recently changed tables</h2>
      {tables.error !== undefined && <p className="error-box">{messageOf(tables.error)}</p>}
      {tables.data && recent.length === 0 && <p className="muted">No tables yet.</p>}
      {recent.length > 0 && (
        <table className="plain" aria-label="Recently changed tables">
          <tbody>
            {recent.map((t) => (
              <tr key={t.full_name}>
                <td>
                  <Link to={`/catalog/${[t.catalog_name, t.schema_name, t.name].map(encodeURIComponent).join("/")}`}>
                    {t.full_name}
                  </Link>
                </td>
                <td className="muted">{t.updated_at ? new Date(t.updated_at).toLocaleString() : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function RunList({ runs, empty }: { runs: (JobRun & { job_id?: number })[]; empty: string }) {
  if (runs.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="plain">
      <tbody>
        {runs.map((r) => (
          <tr key={r.run_id}>
            <td>
              {r.job_id !== undefined ? <Link to={`/jobs/${r.job_id}`}>{r.run_name ?? r.job_id}</Link> : r.run_name}
            </td>
            <td>run {r.run_id}</td>
            <td>{r.state?.result_state ?? r.state?.life_cycle_state ?? ""}</td>
            <td className="muted">{r.start_time ? new Date(r.start_time).toLocaleString() : ""}</td>
            <td className="muted">{r.state?.state_message ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
