// One way to call the server: JSON in and out, errors as ApiError, and a connection that
// survives the server restarting (reads wait and retry with backoff while it is away).
import { toasts } from "../components/toastStore";
import { connection } from "./connection";
import { loginUrl, session, setSession, type Session } from "./session";

/** An error answer of the API (`{"error_code", "message"}`), or the server being unreachable. */
export class ApiError extends Error {
  readonly status: number; // 0: no answer (server unreachable)
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  signal?: AbortSignal;
  /** Show a toast for a 5xx answer (default true; the caller still gets the error). */
  toastServerErrors?: boolean;
}

// Statuses that mean "the server is (re)starting": reads wait for it and try again.
const UNAVAILABLE = new Set([502, 503, 504]);

/**
 * Calls the API and returns its JSON. A GET waits through a server restart (it is retried
 * once the server answers again); other methods fail at once with status 0, since the
 * server may or may not have acted on them.
 */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const retryable = method === "GET";
  let csrfRefreshed = false;
  for (;;) {
    let response: Response;
    const csrf = method !== "GET" ? session()?.csrf_token : undefined;
    try {
      response = await fetch(path, {
        method,
        signal: options.signal,
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          ...(options.body !== undefined ? { "Content-Type": "application/json" } : {}),
          ...(csrf ? { [CSRF_HEADER]: csrf } : {}),
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      connection.lost();
      if (!retryable) {
        throw new ApiError(0, "UNREACHABLE", "The server cannot be reached; try again once it is back.");
      }
      await connection.back(options.signal);
      continue;
    }
    if (retryable && UNAVAILABLE.has(response.status) && path !== HEALTH) {
      connection.lost();
      await connection.back(options.signal);
      continue;
    }
    connection.answered();
    if (response.ok) {
      return (await response.json()) as T;
    }
    const error = await errorOf(response);
    if (response.status === 401 && path !== `${AUTH}/login`) {
      // Not signed in, or the session expired: sign in, then come back here.
      setSession(null);
      if (window.location.pathname !== "/login") window.location.assign(loginUrl());
      throw error;
    }
    if (response.status === 403 && error.message.includes(CSRF_HEADER) && !csrfRefreshed) {
      // A session this tab has no CSRF token for (opened in another tab): fetch it, retry.
      csrfRefreshed = true;
      const me = await api<Session & { auth: boolean }>(`${AUTH}/me`, { signal: options.signal });
      setSession({ user: me.user, role: me.role, csrf_token: me.csrf_token });
      continue;
    }
    if (response.status >= 500 && options.toastServerErrors !== false) {
      toasts.push(`Server error ${response.status}`, error.message);
    }
    throw error;
  }
}

export const HEALTH = "/api/health";
const AUTH = "/api/auth";
const CSRF_HEADER = "X-CSRF-Token";

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/** The message to show for any error a call may throw. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error_code?: string; message?: string; detail?: unknown };
    const message = body.message ?? (typeof body.detail === "string" ? body.detail : undefined);
    if (message) return new ApiError(response.status, body.error_code ?? "ERROR", message);
  } catch {
    // not JSON (a proxy's page, say): fall through to the status line
  }
  return new ApiError(
    response.status,
    "ERROR",
    `${response.status} ${response.statusText || "error"}${text ? `: ${text.slice(0, 200)}` : ""}`,
  );
}
