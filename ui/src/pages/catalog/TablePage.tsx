import { useRef, type KeyboardEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { messageOf } from "../../api/client";
import { getTable, quotedName } from "../../api/catalog";
import { runStatement, type QueryResult } from "../../api/sql";
import type { TableInfo } from "../../api/types";
import { useLoad } from "../../api/useApi";
import { ResultGrid } from "../../components/ResultGrid";

const TABS = [
  { id: "columns", label: "Columns" },
  { id: "sample", label: "Sample data" },
  { id: "history", label: "History" },
  { id: "details", label: "Details" },
] as const;
type TabId = (typeof TABS)[number]["id"];

interface Props {
  catalog: string;
  schema: string;
  table: string;
}

/** One table: its columns, 50 sample rows, its Delta history and where it lives. */
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
      {info.data && <Summary info={info.data} />}
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
        {tab === "history" && <History catalog={catalog} schema={schema} table={table} />}
        {tab === "details" &&
          (info.data ? <Details info={info.data} /> : info.loading && <p className="loading">Loading…</p>)}
      </section>
    </>
  );
}

function Summary({ info }: { info: TableInfo }) {
  const tags = Object.entries(info.properties ?? {});
  return (
    <div>
      {info.comment ? (
        <p style={{ margin: "0 0 6px" }}>{info.comment}</p>
      ) : (
        <p className="muted" style={{ margin: "0 0 6px" }}>
          No comment
        </p>
      )}
      <div>
        <span className="chip">{info.table_type.toLowerCase()}</span>
        <span className="chip">{info.data_source_format.toLowerCase()}</span>
        {tags.map(([key, value]) => (
          <span className="chip accent" key={key} title="tag">
            {value ? `${key}: ${value}` : key}
          </span>
        ))}
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

interface HistoryRow {
  version: string;
  timestamp: string;
  user: string;
  operation: string;
  parameters: [string, string][];
}

function History({ catalog, schema, table }: Props) {
  const name = quotedName(catalog, schema, table);
  const history = useStatement(`history:${name}`, `DESCRIBE HISTORY ${name}`);
  if (history.error !== undefined) return <p className="error-box">{messageOf(history.error)}</p>;
  if (!history.data) return <p className="loading">Loading history…</p>;
  const rows = historyRows(history.data);
  return (
    <table className="plain" aria-label="History">
      <thead>
        <tr>
          <th>Version</th>
          <th>When</th>
          <th>Who</th>
          <th>Operation</th>
          <th>Parameters</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.version}>
            <td>{row.version}</td>
            <td>{row.timestamp ? new Date(row.timestamp.replace(" ", "T")).toLocaleString() : ""}</td>
            <td>{row.user}</td>
            <td>
              <code>{row.operation}</code>
            </td>
            <td>
              {row.parameters.map(([key, value]) => (
                <span className="chip" key={key}>
                  {key}={value}
                </span>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function historyRows(result: QueryResult): HistoryRow[] {
  const at = (name: string) => result.columns.findIndex((c) => c.name === name);
  const [version, timestamp, user, operation, parameters] = [
    at("version"),
    at("timestamp"),
    at("userName"),
    at("operation"),
    at("operationParameters"),
  ];
  return result.rows.map((row) => ({
    version: row[version] ?? "",
    timestamp: row[timestamp] ?? "",
    user: row[user] ?? "",
    operation: row[operation] ?? "",
    parameters: parseParameters(row[parameters] ?? null),
  }));
}

function parseParameters(text: string | null): [string, string][] {
  if (!text) return [];
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object") {
      return Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]);
    }
  } catch {
    // not JSON: show it as one value
  }
  return [["", text]];
}

function Details({ info }: { info: TableInfo }) {
  const partitions = (info.columns ?? [])
    .filter((c) => c.partition_index !== undefined)
    .sort((a, b) => (a.partition_index ?? 0) - (b.partition_index ?? 0))
    .map((c) => c.name);
  const when = (ms?: number) => (ms ? new Date(ms).toLocaleString() : "");
  return (
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
      <dt>Table id</dt>
      <dd>
        <code>{info.table_id}</code>
      </dd>
    </dl>
  );
}
