import { useCallback, useEffect, useState } from "react";
import { api, isAbort } from "./client";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads ``load()`` when a key changes (nothing while ``key`` is null); the call is aborted
 * when the component goes or the key changes, so late answers never land on the wrong page.
 */
export function useLoad<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ key: string | null; data?: T; error?: unknown }>({ key: null });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ key, data });
      },
      (error: unknown) => {
        if (!controller.signal.aborted && !isAbort(error)) setState({ key, error });
      },
    );
    return () => controller.abort();
    // `load` is a new function each render; the key says what it loads.
  }, [key, generation]);

  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: key !== null && !current,
    reload,
  };
}

/** GET ``path`` as JSON (null: nothing to load). */
export function useApi<T>(path: string | null): Loaded<T> {
  return useLoad<T>(path, (signal) => api<T>(path as string, { signal }));
}

/** Calls each of ``reloads`` every ``intervalMs`` while ``active`` (a run or task in progress). */
export function usePolling(active: boolean, intervalMs: number, ...reloads: (() => void)[]): void {
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => reloads.forEach((reload) => reload()), intervalMs);
    return () => clearInterval(timer);
    // The reload functions are stable (useCallback): their identities are the dependencies.
  }, [active, intervalMs, ...reloads]);
}
