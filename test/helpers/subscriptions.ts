// Collects what a tRPC subscription delivers, for assertions.
import type { Unsubscribable } from '@trpc/server/observable';

export interface Collected<T> {
  items: { id: string; data: T }[];
  errors: unknown[];
  started: Promise<void>;
  stop(): void;
}

type Subscribe<T> = (handlers: {
  onStarted(): void;
  onData(value: { id: string; data: T }): void;
  onError(error: unknown): void;
}) => Unsubscribable;

export function collect<T>(subscribe: Subscribe<T>): Collected<T> {
  const items: { id: string; data: T }[] = [];
  const errors: unknown[] = [];
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const subscription = subscribe({
    onStarted: () => markStarted(),
    onData: (value) => items.push(value),
    onError: (error) => errors.push(error),
  });
  return { items, errors, started, stop: () => subscription.unsubscribe() };
}
