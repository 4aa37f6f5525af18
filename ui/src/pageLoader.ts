// Pages load as separate chunks, each when first shown.
import { createElement, lazy, useState, type ComponentType } from "react";
import { connection } from "./api/connection";

const RELOADED_KEY = "brickyard:reloaded-for-chunk";
const RELOAD_GUARD_MS = 15_000;

export interface PageComponent {
  (): ReturnType<typeof createElement>;
  /** Loads the page's chunk (once); the page then renders without suspending. */
  preload(): Promise<unknown>;
}

/**
 * A page whose code is a separate chunk. Preloading the first page before the first render
 * spares it React's Suspense fallback, whose reveal React throttles (~300 ms). A chunk that
 * fails to load means the server is away (restarting) or runs a newer build with new file
 * names: the page waits until the server answers, then loads afresh.
 */
export function lazyPage(load: () => Promise<{ default: ComponentType }>): PageComponent {
  let loaded: ComponentType | undefined;
  let loading: Promise<{ default: ComponentType }> | undefined;
  const loadOnce = () =>
    (loading ??= load().then(
      (module) => {
        loaded = module.default;
        return module;
      },
      (error: unknown) => reloadWhenBack(error),
    ));
  const Lazy = lazy(loadOnce);
  function Page() {
    // Chosen once per mount: switching component types later would remount the page.
    const [Chosen] = useState<ComponentType>(() => loaded ?? Lazy);
    return createElement(Chosen);
  }
  Page.preload = loadOnce;
  return Page;
}

async function reloadWhenBack(error: unknown): Promise<never> {
  const last = Number(sessionStorage.getItem(RELOADED_KEY) ?? 0);
  if (Date.now() - last < RELOAD_GUARD_MS) throw error; // reloading did not help: show it
  connection.lost();
  await connection.back();
  sessionStorage.setItem(RELOADED_KEY, String(Date.now()));
  window.location.reload();
  return new Promise<never>(() => undefined);
}
