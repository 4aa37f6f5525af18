// Whether the server answers. When a call finds it gone, the health route is probed with
// backoff (0.25 s doubling to 5 s) until it answers again; waiting calls then resume.
import { useSyncExternalStore } from "react";

export type ConnectionState = "online" | "offline";

const HEALTH_PATH = "/api/health";
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

class Connection {
  private state: ConnectionState = "online";
  private listeners = new Set<() => void>();
  private waiters = new Set<() => void>();
  private probing = false;

  get current(): ConnectionState {
    return this.state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** A call got no answer: go offline and start probing. */
  lost(): void {
    if (this.state === "online") {
      this.state = "offline";
      this.notify();
    }
    void this.probe();
  }

  /** A call got an answer: the server is there. */
  answered(): void {
    if (this.state === "offline") {
      this.state = "online";
      this.notify();
    }
    const waiting = [...this.waiters];
    this.waiters.clear();
    waiting.forEach((resume) => resume());
  }

  /** Resolves once the server answers again (rejects if ``signal`` aborts first). */
  back(signal?: AbortSignal): Promise<void> {
    if (this.state === "online") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const resume = () => {
        signal?.removeEventListener("abort", abort);
        resolve();
      };
      const abort = () => {
        this.waiters.delete(resume);
        reject(new DOMException("aborted", "AbortError"));
      };
      if (signal?.aborted) {
        abort();
        return;
      }
      signal?.addEventListener("abort", abort, { once: true });
      this.waiters.add(resume);
    });
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    let delay = FIRST_DELAY_MS;
    try {
      while (this.state === "offline") {
        await sleep(delay);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
        try {
          const response = await fetch(HEALTH_PATH, { cache: "no-store" });
          if (response.status < 502) this.answered();
        } catch {
          // still away: next probe after a longer pause
        }
      }
    } finally {
      this.probing = false;
    }
  }

  private notify(): void {
    this.listeners.forEach((listener) => listener());
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const connection = new Connection();

export function useConnection(): ConnectionState {
  return useSyncExternalStore(connection.subscribe, () => connection.current);
}
