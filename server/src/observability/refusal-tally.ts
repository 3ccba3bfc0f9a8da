// Refused calls (401/403/429) are tallied, not stored one row each: a caller without rights can
// make them as fast as it can send, and one row per call (with its raw input) let such a flood fill
// the audit queue and push other users' rows out of it. Refusals of one user, procedure, status
// and transport within one clock minute become one row whose `count` says how many there were; the
// other fields are those of the first refusal of that minute, and it carries no request data.
// The tally holds at most `maxKeys` rows; past that a refusal is counted as dropped, not stored.
import type { NewAuditLog } from '../db/audit-repository';

const MINUTE_MS = 60_000;

export interface RefusalTally {
  /** Counts one refused call (its row, with `count` 1) into its minute's row. */
  add(row: NewAuditLog): void;
  /** Takes out the rows of the minutes that have ended, or every row with `all`. */
  take(all?: boolean): NewAuditLog[];
}

export interface RefusalTallyOptions {
  maxKeys: number;
  /** A refusal that found the tally full. */
  onDropped(): void;
  now?: () => number;
}

export function createRefusalTally({ maxKeys, onDropped, now = Date.now }: RefusalTallyOptions): RefusalTally {
  const rows = new Map<string, { minute: number; row: NewAuditLog }>();
  return {
    add(row) {
      const minute = Math.floor(row.timestamp.getTime() / MINUTE_MS);
      const key = `${minute}\n${row.user_id}\n${row.action}\n${row.status_code}\n${row.transport}`;
      const tallied = rows.get(key);
      if (tallied) tallied.row.count += 1;
      else if (rows.size < maxKeys) rows.set(key, { minute, row: { ...row, count: 1 } });
      else onDropped();
    },
    take(all = false) {
      const current = Math.floor(now() / MINUTE_MS);
      const taken: NewAuditLog[] = [];
      for (const [key, { minute, row }] of rows) {
        if (all || minute < current) {
          rows.delete(key);
          taken.push(row);
        }
      }
      return taken;
    },
  };
}
