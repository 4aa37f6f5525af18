// The signed-in user of a server with `[server] auth = true` (browser session cookie).
// The cookie itself is HttpOnly: the page keeps only who it is and the CSRF token that
// state-changing requests must send back (sessionStorage: per tab, gone with the tab).
import { useSyncExternalStore } from "react";

export interface Session {
  user: string;
  role: string;
  csrf_token: string | null;
}

const KEY = "brickyard:session";
const listeners = new Set<() => void>();
let current: Session | null = read();

function read(): Session | null {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Session | null;
  } catch {
    return null;
  }
}

export function session(): Session | null {
  return current;
}

export function setSession(next: Session | null): void {
  current = next;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener());
}

export function useSession(): Session | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

/** The login page's address, coming back to ``next`` (this page by default). */
export function loginUrl(next = window.location.pathname + window.location.search): string {
  return `/login?next=${encodeURIComponent(next)}`;
}

/** ``next`` if it is a path on this server (never another site), else the home page. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}
