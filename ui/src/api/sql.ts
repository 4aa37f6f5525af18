// Running SQL through the Statement Execution API, with line/column of errors.
import { ApiError, api } from "./client";
import type { ResultColumn, StatementResponse, Warehouse } from "./types";

export const ROW_LIMIT = 10_000;

export interface QueryResult {
  columns: ResultColumn[];
  rows: (string | null)[][];
  totalRows: number;
  truncated: boolean;
  elapsedMs: number;
}

/** A failed statement: the server's message, and where in the text it points if it says. */
export class QueryError extends Error {
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly elapsedMs: number;

  constructor(message: string, elapsedMs: number) {
    super(message);
    this.name = "QueryError";
    const where = /line (\d+),? column (\d+)/i.exec(message);
    this.line = where ? Number(where[1]) : undefined;
    this.column = where ? Number(where[2]) : undefined;
    this.elapsedMs = elapsedMs;
  }
}

export async function runStatement(statement: string, warehouseId: string, signal?: AbortSignal): Promise<QueryResult> {
  const started = performance.now();
  let response: StatementResponse;
  try {
    response = await api<StatementResponse>("/api/2.0/sql/statements", {
      method: "POST",
      body: { statement, warehouse_id: warehouseId, row_limit: ROW_LIMIT, wait_timeout: "50s" },
      signal,
    });
  } catch (error) {
    if (error instanceof ApiError) throw new QueryError(error.message, performance.now() - started);
    throw error;
  }
  const elapsedMs = performance.now() - started;
  if (response.status.state !== "SUCCEEDED") {
    throw new QueryError(response.status.error?.message ?? `statement ${response.status.state}`, elapsedMs);
  }
  return {
    columns: response.manifest?.schema.columns ?? [],
    rows: response.result?.data_array ?? [],
    totalRows: response.manifest?.total_row_count ?? 0,
    truncated: response.manifest?.truncated ?? false,
    elapsedMs,
  };
}

export async function listWarehouses(signal?: AbortSignal): Promise<Warehouse[]> {
  const body = await api<{ warehouses?: Warehouse[] }>("/api/2.0/sql/warehouses", { signal });
  return body.warehouses ?? [];
}
