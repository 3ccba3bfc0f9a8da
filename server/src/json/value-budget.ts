// Counts the values of client input as a naive tree walk would meet them — a value referenced
// twice (superjson's `referentialEqualities`) counts twice, a cycle never ends — and stops as soon
// as the count passes the budget. So the answer costs O(budget) whatever the input: a reference
// DAG that unfolds into 2^30 nodes, a cycle, or a sparse array a billion elements long.
// Children are counted when their container is reached, before any is visited, so the pending
// stack never holds more than `budget` entries.

/** The values directly inside `value` (an array's holes count: a walk meets them as undefined). */
function childCount(value: object): number {
  if (Array.isArray(value)) return value.length;
  if (value instanceof Set) return value.size;
  if (value instanceof Map) return value.size * 2;
  if (value instanceof Date || value instanceof RegExp) return 0;
  return Object.keys(value).length;
}

function pushChildren(value: object, pending: object[]): void {
  const push = (child: unknown) => {
    if (typeof child === 'object' && child !== null) pending.push(child);
  };
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) push(value[index]);
  } else if (value instanceof Set) {
    for (const item of value) push(item);
  } else if (value instanceof Map) {
    for (const [key, item] of value) {
      push(key);
      push(item);
    }
  } else if (!(value instanceof Date || value instanceof RegExp)) {
    for (const key of Object.keys(value)) push((value as Record<string, unknown>)[key]);
  }
}

/** True when `value` holds more than `budget` values (itself included). */
export function exceedsValueBudget(value: unknown, budget: number): boolean {
  let counted = 1;
  if (counted > budget) return true;
  if (typeof value !== 'object' || value === null) return false;
  const pending: object[] = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    counted += childCount(next);
    if (counted > budget) return true;
    pushChildren(next, pending);
  }
  return false;
}
