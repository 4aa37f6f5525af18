// The Jobs API (Databricks 2.2 shapes) as the jobs pages use it, plus Brickyard's additions
// for the UI: the jobs overview, the runs x tasks grid and the offset-based task log.
import { api } from "./client";
import type { JobRun } from "./types";

export const JOBS = "/api/2.2/jobs";

export interface RunSquare {
  run_id: number;
  state: string; // ours: queued, running, success, failed, canceled, timed_out
  start_time: number;
}

export interface JobsOverview {
  jobs: { job_id: number; paused: boolean; next_run_time: number | null; recent_runs: RunSquare[] }[];
}

export interface GridRun extends RunSquare {
  end_time: number;
  tasks: Record<string, string>; // task key -> our task state (success, failed, running, ...)
}

export interface RunsGrid {
  task_keys: string[];
  runs: GridRun[]; // oldest first
}

export interface RunStateShape {
  life_cycle_state?: string;
  result_state?: string;
  state_message?: string;
}

export interface TaskRun {
  run_id: number; // the task run's id (runs/get-output and runs/get-log take it)
  task_key: string;
  depends_on?: { task_key: string }[];
  state: RunStateShape;
  attempt_number: number;
  start_time: number;
  end_time: number;
  execution_duration: number;
  mlflow_runs?: { run_id: string; url: string }[];
}

export interface RunDetail extends JobRun {
  tasks?: TaskRun[];
  job_parameters?: { name: string; default: string | null; value: string | null }[];
}

export interface TaskOutput {
  metadata: RunDetail;
  logs: string;
  logs_truncated: boolean;
  task_value: unknown;
  error?: string;
  error_trace?: string;
  notebook_url?: string;
}

export interface LogChunk {
  text: string;
  next_offset: number;
  complete: boolean;
}

export function runNow(jobId: number, params: Record<string, string>): Promise<{ run_id: number }> {
  return api(`${JOBS}/run-now`, { method: "POST", body: { job_id: jobId, job_parameters: params } });
}

export function setPaused(jobId: number, paused: boolean): Promise<unknown> {
  return api(`${JOBS}/update`, {
    method: "POST",
    body: { job_id: jobId, new_settings: { schedule: { pause_status: paused ? "PAUSED" : "UNPAUSED" } } },
  });
}

export function cancelRun(runId: number): Promise<unknown> {
  return api(`${JOBS}/runs/cancel`, { method: "POST", body: { run_id: runId } });
}

/** Re-run the failed, canceled and timed-out tasks of a run, and what depends on them. */
export function repairRun(runId: number): Promise<{ repair_id: number }> {
  return api(`${JOBS}/runs/repair`, { method: "POST", body: { run_id: runId, rerun_all_failed_tasks: true } });
}

export function taskLog(taskRunId: number, offset: number, signal?: AbortSignal): Promise<LogChunk> {
  return api(`${JOBS}/runs/get-log?run_id=${taskRunId}&offset=${offset}`, { signal });
}

/** A Databricks state as one of our state names (the colour keys of the jobs pages). */
export function stateName(state: RunStateShape | undefined): string {
  switch (state?.result_state) {
    case "SUCCESS":
      return "success";
    case "FAILED":
      return "failed";
    case "TIMEDOUT":
      return "timed_out";
    case "CANCELED":
      return "canceled";
    case "UPSTREAM_FAILED":
      return "upstream_failed";
    case "EXCLUDED":
      return "skipped";
  }
  switch (state?.life_cycle_state) {
    case "RUNNING":
      return "running";
    case "QUEUED":
      return "queued";
    case "SKIPPED":
      return "skipped";
    default:
      return "pending";
  }
}

const ACTIVE = new Set(["pending", "queued", "running", "up_for_retry", "up_for_reschedule"]);

export function isActive(state: string): boolean {
  return ACTIVE.has(state);
}
