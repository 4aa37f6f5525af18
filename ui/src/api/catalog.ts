// Unity Catalog reads: catalogs, schemas, tables (every page of each), and a search index.
import { api } from "./client";
import type { CatalogInfo, ColumnInfo, SchemaInfo, TableInfo } from "./types";

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

// -- search ------------------------------------------------------------------------------------
// No search route exists yet, so the index is every table of every schema, listed once per page
// session (with columns, comments and tags) and filtered here.

export interface SearchHit {
  table: TableInfo;
  why: string; // what matched, e.g. "column customer_id"
  rank: number; // lower is better
}

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

export function searchTables(tables: TableInfo[], query: string, limit = 50): SearchHit[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const hits: SearchHit[] = [];
  for (const table of tables) {
    let best: { why: string; rank: number } | undefined;
    for (const word of words) {
      const found = matchTable(table, word);
      if (!found) {
        best = undefined;
        break; // every word must match somewhere
      }
      if (!best || found.rank < best.rank) best = found;
    }
    if (best) hits.push({ table, ...best });
  }
  hits.sort((a, b) => a.rank - b.rank || a.table.full_name.localeCompare(b.table.full_name));
  return hits.slice(0, limit);
}

function matchTable(table: TableInfo, word: string): { why: string; rank: number } | undefined {
  const name = table.name.toLowerCase();
  if (name === word) return { why: "name", rank: 0 };
  if (name.includes(word)) return { why: "name", rank: 1 };
  if (table.full_name.toLowerCase().includes(word)) return { why: "full name", rank: 2 };
  if (table.comment?.toLowerCase().includes(word)) return { why: `comment: ${table.comment}`, rank: 3 };
  for (const [key, value] of Object.entries(table.properties ?? {})) {
    if (key.toLowerCase().includes(word) || value.toLowerCase().includes(word)) {
      return { why: `tag ${key}${value ? `=${value}` : ""}`, rank: 4 };
    }
  }
  const column = (table.columns ?? []).find((c: ColumnInfo) => c.name.toLowerCase().includes(word));
  if (column) return { why: `column ${column.name}`, rank: 5 };
  const commented = (table.columns ?? []).find((c) => c.comment?.toLowerCase().includes(word));
  if (commented) return { why: `column ${commented.name}: ${commented.comment}`, rank: 6 };
  return undefined;
}
