// db_query_duration_seconds{operation}: wraps every method of a repository so each database
// operation is timed, labelled `<repository>.<method>` (bounded by the code). Drizzle's logger sees
// queries but not their durations, so the repository boundary is the seam.
import type { Metrics } from './metrics';

type AsyncMethods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? T[K] : never };

export function withQueryTiming<T extends AsyncMethods<T>>(name: string, repository: T, metrics: Metrics): T {
  const timed: Partial<T> = {};
  for (const key of Object.keys(repository) as (keyof T & string)[]) {
    const method = repository[key] as (...args: unknown[]) => Promise<unknown>;
    const duration = metrics.dbQueryDuration.bind({ operation: `${name}.${key}` });
    const wrapper = async (...args: unknown[]) => {
      const start = performance.now();
      try {
        return await method.apply(repository, args);
      } finally {
        duration.observe((performance.now() - start) / 1000);
      }
    };
    timed[key] = wrapper as T[typeof key];
  }
  return timed as T;
}
