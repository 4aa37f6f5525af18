import { lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";
import { isAbort, messageOf } from "../../api/client";
import { tableIndex } from "../../api/catalog";
import { useSession } from "../../api/session";
import { listWarehouses, QueryError, runStatement, type QueryResult } from "../../api/sql";
import type { Warehouse } from "../../api/types";
import { useLoad } from "../../api/useApi";
import { ResultGrid } from "../../components/ResultGrid";
import { toCsv, download } from "./csv";
import { addToHistory, clearHistory, loadHistory, type HistoryEntry } from "./queryHistory";
import { SqlEditor, type RunRequest, type SqlEditorHandle } from "./SqlEditor";

const ResultChart = lazy(() => import("../../components/ResultChart"));

const DRAFT_KEY = "brickyard:sql-draft";
const ENGINE_KEY = "brickyard:sql-engine";
// Without sign-in (auth off) every statement runs as this machine's user.
const LOCAL_USER = "local";
const IS_MAC = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

type Outcome =
  | { kind: "result"; result: QueryResult; text: string }
  | { kind: "error"; message: string; where?: { line: number; column: number }; elapsedMs: number };

/** The SQL editor: run all or the selection, see the result as a grid or chart, export it. */
export default function SqlPage() {
  const user = useSession()?.user ?? LOCAL_USER;
  const editor = useRef<SqlEditorHandle>(null);
  const [initialText] = useState(
    () => localStorage.getItem(DRAFT_KEY) ?? "SELECT * FROM main.default.orders LIMIT 100",
  );
  const warehouses = useLoad<Warehouse[]>("warehouses", (signal) => listWarehouses(signal));
  const [engine, setEngine] = useState(() => localStorage.getItem(ENGINE_KEY) ?? "duckdb");
  const [running, setRunning] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [view, setView] = useState<"table" | "chart">("table");
  const [history, setHistory] = useState<HistoryEntry[]>(() => loadHistory(user));
  const [completions, setCompletions] = useState<Record<string, string[]>>({});
  const inFlight = useRef<AbortController | null>(null);

  useEffect(() => {
    let live = true;
    tableIndex().then(
      (tables) =>
        live &&
        setCompletions(Object.fromEntries(tables.map((t) => [t.full_name, (t.columns ?? []).map((c) => c.name)]))),
      () => undefined, // completion is a nicety: the editor works without it
    );
    return () => {
      live = false;
      inFlight.current?.abort();
    };
  }, []);

  const run = async ({ text, from }: RunRequest) => {
    if (!text.trim() || running) return;
    editor.current?.clearError();
    inFlight.current = new AbortController();
    setRunning(true);
    try {
      const result = await runStatement(text, engine, inFlight.current.signal);
      setOutcome({ kind: "result", result, text });
      setHistory(
        addToHistory(user, {
          sql: text,
          at: Date.now(),
          ok: true,
          rows: result.totalRows,
          ms: Math.round(result.elapsedMs),
        }),
      );
    } catch (error) {
      if (isAbort(error)) return;
      const failure = error instanceof QueryError ? error : new QueryError(messageOf(error), 0);
      const at = editor.current?.showError(failure.message, from, failure.line, failure.column);
      // A selection's error is reported within the selection: say where it is in the editor.
      const where = at && (at.line !== failure.line || at.column !== failure.column) ? at : undefined;
      setOutcome({ kind: "error", message: failure.message, where, elapsedMs: failure.elapsedMs });
      setHistory(
        addToHistory(user, {
          sql: text,
          at: Date.now(),
          ok: false,
          ms: Math.round(failure.elapsedMs),
          error: failure.message,
        }),
      );
    } finally {
      setRunning(false);
    }
  };

  return (
    <main className="page full">
      <div className="sql">
        <div className="sql-main">
          <div className="sql-toolbar">
            <button type="button" className="primary" disabled={running} onClick={() => editor.current?.run()}>
              {running ? "Running…" : "Run"}
            </button>
            <span className="muted">{IS_MAC ? "⌘" : "Ctrl"}+Enter runs the selection, or everything</span>
            <span className="spacer" />
            <label>
              Engine{" "}
              <select
                value={engine}
                onChange={(event) => {
                  setEngine(event.target.value);
                  localStorage.setItem(ENGINE_KEY, event.target.value);
                }}
              >
                {(warehouses.data ?? [{ id: "duckdb", name: "duckdb", state: "RUNNING" }]).map((w) => (
                  <option key={w.id} value={w.id}>
                    {engineLabel(w)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <SqlEditor
            ref={editor}
            initialText={initialText}
            onChange={(text) => localStorage.setItem(DRAFT_KEY, text)}
            onRun={(request) => void run(request)}
            completions={completions}
          />
          <Status outcome={outcome} running={running} view={view} setView={setView} />
          <div className="sql-result">
            {outcome?.kind === "error" && (
              <div className="error-box" role="alert" data-testid="sql-error">
                {outcome.where ? `In the editor: line ${outcome.where.line}, column ${outcome.where.column}. ` : ""}
                {outcome.message}
              </div>
            )}
            {outcome?.kind === "result" &&
              (view === "table" || outcome.result.columns.length === 0 ? (
                <ResultGrid columns={outcome.result.columns} rows={outcome.result.rows} label="Query result" />
              ) : (
                <Suspense fallback={<p className="loading">Loading the chart…</p>}>
                  <ResultChart key={outcome.text} columns={outcome.result.columns} rows={outcome.result.rows} />
                </Suspense>
              ))}
            {!outcome && <p className="muted">Run a statement to see its result here.</p>}
          </div>
        </div>
        <QueryHistory
          entries={history}
          onPick={(sql) => editor.current?.setText(sql)}
          onClear={() => {
            clearHistory(user);
            setHistory([]);
          }}
        />
      </div>
    </main>
  );
}

function engineLabel(w: Warehouse): string {
  const name = w.id === "duckdb" ? "DuckDB" : w.id === "spark" ? "Spark" : w.name;
  return w.state === "RUNNING" ? name : `${name} (${w.state.toLowerCase()})`;
}

interface StatusProps {
  outcome: Outcome | undefined;
  running: boolean;
  view: "table" | "chart";
  setView: (view: "table" | "chart") => void;
}

function Status({ outcome, running, view, setView }: StatusProps) {
  const result = outcome?.kind === "result" ? outcome.result : undefined;
  const csv = useMemo(
    () => (result ? () => download("result.csv", toCsv(result.columns, result.rows)) : undefined),
    [result],
  );
  return (
    <div className="sql-status" role="status" aria-live="polite">
      {running && <span>Running…</span>}
      {!running && result && (
        <>
          <span data-testid="row-count">
            {result.totalRows.toLocaleString()} row{result.totalRows === 1 ? "" : "s"}
            {result.truncated ? ` (showing the first ${result.rows.length.toLocaleString()})` : ""}
          </span>
          <span data-testid="elapsed">{formatMs(result.elapsedMs)}</span>
          <span className="segmented" role="group" aria-label="Result view">
            <button type="button" aria-pressed={view === "table"} onClick={() => setView("table")}>
              Table
            </button>
            <button type="button" aria-pressed={view === "chart"} onClick={() => setView("chart")}>
              Chart
            </button>
          </span>
          <button type="button" onClick={csv} disabled={result.columns.length === 0}>
            Export CSV
          </button>
        </>
      )}
      {!running && outcome?.kind === "error" && <span>Failed after {formatMs(outcome.elapsedMs)}</span>}
    </div>
  );
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

interface HistoryProps {
  entries: HistoryEntry[];
  onPick: (sql: string) => void;
  onClear: () => void;
}

function QueryHistory({ entries, onPick, onClear }: HistoryProps) {
  return (
    <aside className="sql-history" aria-label="Query history">
      <h2>History</h2>
      {entries.length === 0 ? (
        <p className="muted">Statements you run appear here.</p>
      ) : (
        <>
          <ol>
            {entries.map((entry) => (
              <li key={`${entry.at}`} className={entry.ok ? undefined : "failed"}>
                <button type="button" onClick={() => onPick(entry.sql)} title={entry.sql}>
                  <span className="q">{entry.sql}</span>
                  <span className="meta">
                    {new Date(entry.at).toLocaleTimeString()} ·{" "}
                    {entry.ok ? `${(entry.rows ?? 0).toLocaleString()} rows` : "failed"} · {formatMs(entry.ms)}
                  </span>
                </button>
              </li>
            ))}
          </ol>
          <button type="button" onClick={onClear} style={{ marginTop: 8 }}>
            Clear history
          </button>
        </>
      )}
    </aside>
  );
}
