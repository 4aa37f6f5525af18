// Colours of task and run states, as Airflow shows them (the grid, the graph, the squares).
export const STATE_COLOURS: Record<string, string> = {
  success: "#16a34a",
  failed: "#dc2626",
  timed_out: "#b91c1c",
  canceled: "#9ca3af",
  upstream_failed: "#f97316",
  skipped: "#f0abfc",
  running: "#84cc16",
  queued: "#a8a29e",
  pending: "#e5e7eb",
  up_for_retry: "#eab308",
  up_for_reschedule: "#2dd4bf",
};

export function colourOf(state: string | undefined): string {
  return STATE_COLOURS[state ?? ""] ?? "#ffffff";
}

export function formatTime(ms: number | null | undefined): string {
  return ms ? new Date(ms).toLocaleString() : "";
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
