// Each user's recent statements, kept in this browser (localStorage) until the server keeps them.

export interface HistoryEntry {
  sql: string;
  at: number; // epoch ms
  ok: boolean;
  rows?: number;
  ms: number;
  error?: string;
}

const MAX_ENTRIES = 100;

function key(user: string): string {
  return `brickyard:sql-history:${user}`;
}

export function loadHistory(user: string): HistoryEntry[] {
  try {
    const stored = JSON.parse(localStorage.getItem(key(user)) ?? "[]") as unknown;
    return Array.isArray(stored) ? (stored as HistoryEntry[]) : [];
  } catch {
    return []; // unreadable: start again
  }
}

/** Adds ``entry`` first (a repeat of the newest statement replaces it) and saves. */
export function addToHistory(user: string, entry: HistoryEntry): HistoryEntry[] {
  const previous = loadHistory(user);
  const rest = previous[0]?.sql === entry.sql ? previous.slice(1) : previous;
  const next = [entry, ...rest].slice(0, MAX_ENTRIES);
  try {
    localStorage.setItem(key(user), JSON.stringify(next));
  } catch {
    // storage full or disabled: the history lives only in this page
  }
  return next;
}

export function clearHistory(user: string): void {
  localStorage.removeItem(key(user));
}
