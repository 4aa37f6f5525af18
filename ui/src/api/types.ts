// The API shapes the UI reads (Unity Catalog, SQL statements, Jobs, MLflow, serving).

export interface CatalogInfo {
  name: string;
  comment?: string;
  properties?: Record<string, string>;
}

export interface SchemaInfo {
  name: string;
  catalog_name: string;
  full_name: string;
  comment?: string;
  properties?: Record<string, string>;
}

export interface ColumnInfo {
  name: string;
  type_text: string;
  type_name: string;
  position: number;
  nullable: boolean;
  comment?: string;
  partition_index?: number;
}

export interface TableInfo {
  name: string;
  catalog_name: string;
  schema_name: string;
  full_name: string;
  table_type: string;
  data_source_format: string;
  storage_location: string;
  owner?: string;
  created_at?: number;
  created_by?: string;
  updated_at?: number;
  table_id: string;
  comment?: string;
  properties?: Record<string, string>;
  columns?: ColumnInfo[];
}

export interface ResultColumn {
  name: string;
  type_text: string;
  type_name: string;
  position: number;
}

export interface StatementResponse {
  statement_id: string;
  status: { state: "SUCCEEDED" | "FAILED" | string; error?: { error_code: string; message: string } };
  manifest?: {
    schema: { column_count: number; columns: ResultColumn[] };
    total_row_count: number;
    truncated: boolean;
  };
  result?: { row_count: number; data_array: (string | null)[][] };
}

export interface Warehouse {
  id: string;
  name: string;
  state: string;
}

export interface JobSettings {
  name: string;
  description?: string;
  tags?: Record<string, string>;
  tasks: { task_key: string; depends_on?: { task_key: string }[] }[];
  schedule?: { quartz_cron_expression: string; timezone_id: string; pause_status: string };
  parameters?: { name: string; default: string | null }[];
}

export interface Job {
  job_id: number;
  created_time?: number;
  settings: JobSettings;
}

export interface JobsList {
  jobs?: Job[];
  has_more?: boolean;
  load_errors?: { file: string; message: string }[];
}

export interface JobRun {
  job_id?: number;
  run_id: number;
  run_name?: string;
  start_time?: number;
  end_time?: number;
  state?: { life_cycle_state?: string; result_state?: string; state_message?: string };
}

export interface RegisteredModel {
  name: string;
  description?: string;
  last_updated_timestamp?: number;
  aliases?: { alias: string; version: string }[];
  latest_versions?: { version: string; current_stage?: string; status?: string }[];
}

export interface ServingEndpoint {
  name: string;
  state: { ready: string; config_update: string };
  config: {
    served_entities: {
      name: string;
      entity_name: string;
      entity_version?: string | number | null;
      alias?: string;
      state: { deployment: string; deployment_state_message: string };
    }[];
  };
}
