// Messages for errors the user did not ask to see inline (a 500, a failed background call).
import { useSyncExternalStore } from "react";

export interface Toast {
  id: number;
  title: string;
  message: string;
}

const SHOW_MS = 10_000;
const MAX_SHOWN = 4;

class ToastStore {
  private items: Toast[] = [];
  private listeners = new Set<() => void>();
  private nextId = 1;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): Toast[] => this.items;

  push(title: string, message: string): void {
    const toast = { id: this.nextId++, title, message };
    this.items = [...this.items, toast].slice(-MAX_SHOWN);
    this.notify();
    setTimeout(() => this.dismiss(toast.id), SHOW_MS);
  }

  dismiss(id: number): void {
    if (!this.items.some((t) => t.id === id)) return;
    this.items = this.items.filter((t) => t.id !== id);
    this.notify();
  }

  private notify(): void {
    this.listeners.forEach((listener) => listener());
  }
}

export const toasts = new ToastStore();

export function useToasts(): Toast[] {
  return useSyncExternalStore(toasts.subscribe, toasts.snapshot);
}
