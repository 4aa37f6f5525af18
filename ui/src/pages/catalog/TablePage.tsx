import { useRef, type KeyboardEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { messageOf } from "../../api/client";
import { getTable, getTableDetails, getTableHistory, quotedName, type TableVersion } from "../../api/catalog";
import { runStatement, type QueryResult } from "../../api/sql";
import type { TableInfo } from "../../api/types";
import { useLoad } from "../../api/useApi";
import { ResultGrid } from "../../components/ResultGrid";
import { CommentEditor, TagsEditor } from "./TableEdits";
import { Lineage } from "./TableLineage";

const TABS = [
  { id: "columns", label: "Columns" },
  { id: "sample", label: "Sample data" },
  { id: "history", label: "History" },
  { id: "details", label: "Details" },
  { id: "lineage", label: "Lineage" },
] as const;
type TabId = (typeof TABS)[number]["id"];

interface Props {
  catalog: string;
  schema: string;
  table: string;
}

/** One table: its columns, 50 sample rows, its Delta history, where it lives and its lineage. */
export function TablePage({ catalog, schema, table }: Props) {
  const fullName = `${catalog}.${schema}.${table}`;
  const info = useLoad(`table:${fullName}`, (signal) => getTable(fullName, signal));
  const [params, setParams] = useSearchParams();
  const tab: TabId = TABS.some((t) => t.id === params.get("tab")) ? (params.get("tab") as TabId) : "columns";
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);

  const select = (id: TabId) => setParams(id === "columns" ? {} : { tab: id }, { replace: true });
  const onTabKey = (event: KeyboardEvent) => {
    const at = TABS.findIndex((t) => t.id === tab);
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = (at + step + TABS.length) % TABS.length;
    select(TABS[next]!.id);
    tabs.current[next]?.focus();
  };

  return (
    <>
      <div className="crumbs">
        <Link to="/catalog">Catalogs</Link> / <Link to={`/catalog/${encodeURIComponent(catalog)}`}>{catalog}</Link> /{" "}
        <Link to={`/catalog/${encodeURIComponent(catalog)}/${encodeURIComponent(schema)}`}>{schema}</Link> /
      </div>
      <h1>{table}</h1>
      {info.error !== undefined && <p className="error-box">{messageOf(info.error)}</p>}
      {info.data && <Summary info={info.data} onChange={info.reload} />}
      <div className="tabs" role="tablist" aria-label="Table views" onKeyDown={onTabKey}>
        {TABS.map((t, i) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            ref={(element) => {
              tabs.current[i] = element;
            }}
            onClick={() => select(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <section role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "columns" &&
          (info.data ? <Columns info={info.data} /> : info.loading && <p className="loading">Loading…</p>)}
        {tab === "sample" && <Sample catalog={catalog} schema={schema} table={table} />}
        {tab === "history" && <History fullName={fullName} />}
        {tab === "details" &&
          (info.data ? <Details info={info.data} /> : info.loading && <p className="loading">Loading…</p>)}
        {tab === "lineage" && <Lineage fullName={fullName} />}
      </section>
    </>
  );
}

function Summary({ info, onChange }: { info: TableInfo; onChange: () => void }) {
  return (
    <div>
      <CommentEditor info={info} onChange={onChange} />
      <div style={{ display: "flex", alignItems: "center", flexWrap: "wrap", gap: 4 }}>
        <span className="chip">{info.table_type.toLowerCase()}</span>
        <span className="chip">{info.data_source_format.toLowerCase()}</span>
        <TagsEditor info={info} onChange={onChange} />
      </div>
    </div>
  );
}

function Columns({ info }: { info: TableInfo }) {
  const columns = info.columns ?? [];
  return (
    <table className="plain" aria-label="Columns">
      <thead>
        <tr>
          <th>Column</th>
          <th>Type</th>
          <th>Nullable</th>
          <th>Comment</th>
        </tr>
      </thead>
      <tbody>
        {columns.map((c) => (
          <tr key={c.name}>
            <td>
              <code>{c.name}</code>
              {c.partition_index !== undefined && (
                <span className="chip" style={{ marginLeft: 6 }}>
                  partition
                </span>
              )}
            </td>
            <td>
              <code>{c.type_text}</code>
            </td>
            <td>{c.nullable ? "yes" : "no"}</td>
            <td>{c.comment ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function useStatement(key: string, statement: string) {
  return useLoad<QueryResult>(key, (signal) => runStatement(statement, "duckdb", signal));
}

function Sample({ catalog, schema, table }: Props) {
  const name = quotedName(catalog, schema, table);
  const sample = useStatement(`sample:${name}`, `SELECT * FROM ${name} LIMIT 50`);
  if (sample.error !== undefined) return <p className="error-box">{messageOf(sample.error)}</p>;
  if (!sample.data) return <p className="loading">Loading sample rows…</p>;
  return (
    <>
      <p className="muted">
        {sample.data.rows.length} rows{sample.data.rows.length === 50 ? " (the first 50)" : ""}
      </p>
      <ResultGrid
        columns={sample.data.columns}
        rows={sample.data.rows}
        label="Sample rows"
        height={Math.min(600, 36 + 27 * sample.data.rows.length + 16)}
      />
    </>
  );
}

function History({ fullName }: { fullName: string }) {
  const history = useLoad(`history:${fullName}`, (signal) => getTableHistory(fullName, signal));
  if (history.error !== undefined) return <p className="error-box">{messageOf(history.error)}</p>;
  if (!history.data) return <p className="loading">Loading history…</p>;
  return (
    <table className="plain" aria-label="History">
      <thead>
        <tr>
          <th>Version</th>
          <th>When</th>
          <th>Who</th>
          <th>Operation</th>
          <th>Rows added</th>
          <th>Rows removed</th>
          <th>Job task</th>
          <th>Parameters</th>
        </tr>
      </thead>
      <tbody>
        {history.data.map((v) => (
          <tr key={v.version}>
            <td>{v.version}</td>
            <td>{v.timestamp ? new Date(v.timestamp).toLocaleString() : ""}</td>
            <td>{v.user ?? ""}</td>
            <td>
              <code>{v.operation}</code>
            </td>
            <td>{count(v.rows_added)}</td>
            <td>{count(v.rows_removed)}</td>
            <td>{jobOf(v)}</td>
            <td>
              {Object.entries(v.parameters).map(([key, value]) => (
                <span className="chip" key={key}>
                  {key}={typeof value === "string" ? value : JSON.stringify(value)}
                </span>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function count(n: number | null): string {
  return n === null ? "" : n.toLocaleString();
}

function jobOf(v: TableVersion): string {
  if (!v.job) return "";
  const { job, run_id, task, try: attempt } = v.job;
  return `${job ?? "?"} run ${run_id ?? "?"} / ${task ?? "?"}${attempt ? ` (try ${attempt})` : ""}`;
}

/** 1536 -> "1.5 KiB" */
function bytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} bytes` : `${value.toFixed(1)} ${units[unit]} (${n.toLocaleString()} bytes)`;
}

function Details({ info }: { info: TableInfo }) {
  const details = useLoad(`details:${info.full_name}`, (signal) => getTableDetails(info.full_name, signal));
  const partitions = (info.columns ?? [])
    .filter((c) => c.partition_index !== undefined)
    .sort((a, b) => (a.partition_index ?? 0) - (b.partition_index ?? 0))
    .map((c) => c.name);
  const when = (ms?: number) => (ms ? new Date(ms).toLocaleString() : "");
  return (
    <>
      {details.error !== undefined && <p className="error-box">{messageOf(details.error)}</p>}
      <dl className="details">
        <dt>Full name</dt>
        <dd>
          <code>{info.full_name}</code>
        </dd>
        <dt>Location</dt>
        <dd>
          <code>{info.storage_location}</code>
        </dd>
        <dt>Format</dt>
        <dd>{info.data_source_format}</dd>
        <dt>Type</dt>
        <dd>{info.table_type}</dd>
        <dt>Owner</dt>
        <dd>{info.owner ?? ""}</dd>
        <dt>Created</dt>
        <dd>{when(info.created_at)}</dd>
        <dt>Updated</dt>
        <dd>{when(info.updated_at)}</dd>
        <dt>Partitioned by</dt>
        <dd>{partitions.length ? partitions.join(", ") : "not partitioned"}</dd>
        <dt>Columns</dt>
        <dd>{(info.columns ?? []).length}</dd>
        <dt>Current version</dt>
        <dd>{details.data ? details.data.version : "…"}</dd>
        <dt>Size</dt>
        <dd>{details.data ? bytes(details.data.size_in_bytes) : "…"}</dd>
        <dt>Files</dt>
        <dd>{details.data ? details.data.num_files.toLocaleString() : "…"}</dd>
        <dt>Rows</dt>
        <dd>{details.data ? details.data.num_rows.toLocaleString() : "…"}</dd>
        <dt>Table id</dt>
        <dd>
          <code>{info.table_id}</code>
        </dd>
      </dl>
    </>
  );
}
