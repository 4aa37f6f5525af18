// Unity Catalog: catalogs, schemas, tables (every page of each), search, table history, lineage and edits.
import { api } from "./client";
import type { CatalogInfo, SchemaInfo, TableInfo } from "./types";

const UC = "/api/2.1/unity-catalog";

// Listings are shared by the callers asking at the same time (the tree and the page beside it
// list the same catalogs), so they take no abort signal: a caller that goes ignores the answer.
export function listCatalogs(): Promise<CatalogInfo[]> {
  return allPages<CatalogInfo>(`${UC}/catalogs`, "catalogs");
}

export function listSchemas(catalog: string): Promise<SchemaInfo[]> {
  return allPages<SchemaInfo>(`${UC}/schemas?catalog_name=${enc(catalog)}`, "schemas");
}

export function listTables(catalog: string, schema: string, omitColumns = false): Promise<TableInfo[]> {
  return allPages<TableInfo>(
    `${UC}/tables?catalog_name=${enc(catalog)}&schema_name=${enc(schema)}${omitColumns ? "&omit_columns=true" : ""}`,
    "tables",
  );
}

export function getTable(fullName: string, signal?: AbortSignal): Promise<TableInfo> {
  return api<TableInfo>(`${UC}/tables/${enc(fullName)}`, { signal });
}

/** A table name quoted for Spark SQL: `c`.`s`.`t`. */
export function quotedName(catalog: string, schema: string, table: string): string {
  return [catalog, schema, table].map((part) => "`" + part.replaceAll("`", "``") + "`").join(".");
}

async function allPages<T>(path: string, key: string): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await sharedGet<Record<string, unknown>>(token ? `${path}${sep}page_token=${enc(token)}` : path);
    items.push(...((page[key] as T[] | undefined) ?? []));
    token = page.next_page_token as string | undefined;
  } while (token);
  return items;
}

const inFlight = new Map<string, Promise<unknown>>();

/** GET ``path``, joining a call for the same path that is still running. */
function sharedGet<T>(path: string): Promise<T> {
  let call = inFlight.get(path);
  if (!call) {
    call = api<T>(path);
    inFlight.set(path, call);
    const forget = () => inFlight.delete(path);
    call.then(forget, forget);
  }
  return call as Promise<T>;
}

function enc(text: string): string {
  return encodeURIComponent(text);
}

// -- the table index (for SQL completion and the home page) ---------------------------------
// Every table of every schema, listed once per page session.

let index: Promise<TableInfo[]> | undefined;

/** All tables of the workspace (listed once, then cached until ``refresh``). */
export function tableIndex(refresh = false): Promise<TableInfo[]> {
  if (!index || refresh) {
    index = loadIndex();
    index.catch(() => {
      index = undefined; // a failed load is tried again next time
    });
  }
  return index;
}

async function loadIndex(): Promise<TableInfo[]> {
  const catalogs = await listCatalogs();
  const schemas = (await Promise.all(catalogs.map((c) => listSchemas(c.name)))).flat();
  const tables = await Promise.all(schemas.map((s) => listTables(s.catalog_name, s.name)));
  return tables.flat();
}

// -- Brickyard additions: search, details, history, lineage, edits ------------------------------

export interface SearchHit {
  full_name: string; // catalog, catalog.schema, catalog.schema.table or catalog.schema.table.column
  kind: "catalog" | "schema" | "table" | "column";
  matched: "name" | "comment" | "tag";
  text: string;
}

/** Catalogs, schemas, tables and columns whose name, comment or tags contain ``query``. */
export async function searchCatalog(query: string, signal?: AbortSignal, limit = 50): Promise<SearchHit[]> {
  const found = await api<{ results: SearchHit[] }>(`${UC}/search?q=${enc(query)}&max_results=${limit}`, { signal });
  return found.results;
}

export interface TableDetails {
  full_name: string;
  version: number;
  size_in_bytes: number;
  num_files: number;
  num_rows: number;
  storage_location: string;
  partition_by: string[];
  created_at: number;
  updated_at: number;
}

export function getTableDetails(fullName: string, signal?: AbortSignal): Promise<TableDetails> {
  return api<TableDetails>(`${UC}/tables/${enc(fullName)}/details`, { signal });
}

export interface TaskRef {
  job: string | null;
  run_id: string | null;
  task: string | null;
  try: string | null;
}

export interface TableVersion {
  version: number;
  timestamp: number;
  operation: string;
  user: string | null;
  parameters: Record<string, unknown>;
  metrics: Record<string, unknown>;
  rows_added: number | null;
  rows_removed: number | null;
  rows_updated: number | null;
  job: TaskRef | null;
}

export async function getTableHistory(fullName: string, signal?: AbortSignal): Promise<TableVersion[]> {
  const found = await api<{ versions: TableVersion[] }>(`${UC}/tables/${enc(fullName)}/history`, { signal });
  return found.versions;
}

export interface MlflowRunRef {
  run_id: string;
  run_name: string | null;
  experiment_id: string;
  status: string;
  start_time: number | null;
  versions: string[];
  url: string;
  task: TaskRef | null;
}

export interface TableLineage {
  writers: (TaskRef & { versions: number[]; last_written_at: number | null })[];
  readers: (TaskRef & { versions: number[]; last_read_at?: number; mlflow_run_ids: string[] })[];
  mlflow_runs: MlflowRunRef[];
  mlflow_error?: string; // MLflow could not be loaded: its runs are unknown
}

export function getTableLineage(fullName: string, signal?: AbortSignal): Promise<TableLineage> {
  return api<TableLineage>(`${UC}/tables/${enc(fullName)}/lineage`, { signal });
}

/** Set the comment (null clears it) and/or replace all the tags; the table as it is now. */
export function updateTable(
  fullName: string,
  change: { comment?: string | null; properties?: Record<string, string> },
): Promise<TableInfo> {
  return api<TableInfo>(`${UC}/tables/${enc(fullName)}`, { method: "PATCH", body: change });
}
