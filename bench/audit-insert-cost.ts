// CPU per audit row of each way of writing a batch: PostgreSQL's (the backend's own CPU, from
// /proc/<pid>/schedstat, nanoseconds) and this process's (process.cpuUsage()). W6-like rows
// (authors.create over tRPC-HTTP) go into user_actions of a fresh database, 20,000 per round in
// batches of 10 and of 100; each figure is the minimum over the rounds. The table is emptied before
// every round, so every round pays the same index growth. --breakdown repeats the repository's
// statement without request_data and without each secondary index.
// Needs PostgreSQL on the same machine (it reads the backend's /proc entry).
//   node --import tsx bench/audit-insert-cost.ts [--rounds 15] [--rows 20000] [--only json,copy] [--breakdown]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import { sql as drizzleSql } from 'drizzle-orm';
import postgres from 'postgres';
import { createAuditRepository, type NewAuditLog } from '../server/src/db/audit-repository';
import { openDatabase, type Statement } from '../server/src/db/database';
import * as schema from '../server/src/db/schema';
import { createTestDatabase } from '../test/helpers/services';
import { insertStatements } from './audit-insert-variants';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    rows: { type: 'string', default: '20000' },
    only: { type: 'string' },
    batches: { type: 'string', default: '10,100' },
    breakdown: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const ROWS = Number(args.rows);
const BATCHES = args.batches.split(',').map(Number);

/** CPU time a process has run, in ns (schedstat's first field; /proc/<pid>/stat counts 10 ms ticks). */
const cpuNs = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);

function w6Row(i: number, withData: boolean): NewAuditLog {
  return {
    timestamp: new Date(Date.now() + i),
    user_id: '6f1c2d4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f',
    username: 'bench',
    roles: ['get-authors', 'create-author', 'admin'],
    action: 'authors.create',
    resource: 'authors',
    outcome: 'success',
    transport: 'http',
    ip: '127.0.0.1',
    user_agent: null,
    correlation_id: randomUUID(),
    request_data: withData ? { name: `Bench Writer project-k3j2h1-0-${i}` } : null,
    status_code: 200,
    error_message: null,
    duration_ms: 2,
    count: 1,
  };
}

await using testDb = await createTestDatabase();
(await openDatabase({ DATABASE_URL: testDb.url, PGLITE_DIR: undefined })).close();
const client = postgres(testDb.url, { max: 1, onnotice: () => {} });
const db = drizzle(client, { schema, casing: 'snake_case' });
const [{ pid }] = (await client`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];

// As openDatabase's readRows does it (a named server-side statement).
const readRows = (statement: Statement) => client.unsafe(statement.sql, statement.params as never[], { prepare: true }).values();
const repository = createAuditRepository({ db, readRows });
const methods: Record<string, (rows: NewAuditLog[]) => Promise<unknown>> = {
  json: (rows) => repository.insertBatch(rows),
  ...insertStatements(client, db),
};
const wanted = args.only ? args.only.split(',') : Object.keys(methods);

const INDEXES = ['user_actions_timestamp_idx', 'user_actions_user_id_idx', 'user_actions_username_idx', 'user_actions_action_idx'];
const indexDefinitions = new Map(
  (await client<{ indexname: string; indexdef: string }[]>`select indexname, indexdef from pg_indexes where tablename = 'user_actions'`).map(
    (row) => [row.indexname, row.indexdef],
  ),
);
interface Setup {
  name: string;
  dropped: string[];
  withData: boolean;
}
const setups: Setup[] = [{ name: 'schema', dropped: [], withData: true }];
if (args.breakdown) {
  setups.push({ name: 'request_data null', dropped: [], withData: false });
  for (const index of INDEXES) setups.push({ name: `without ${index}`, dropped: [index], withData: true });
  setups.push({ name: 'without the 4 indexes', dropped: INDEXES, withData: true });
}

for (const setup of setups) {
  for (const index of setup.dropped) await client.unsafe(`drop index ${index}`);
  const rows = Array.from({ length: ROWS }, (_, i) => w6Row(i, setup.withData));
  // Rounds interleave the methods, so that a busy moment of the machine weighs on all of them alike.
  const cases = wanted.flatMap((method) => BATCHES.map((batch) => ({ method, batch, pg: Infinity, node: Infinity })));
  for (let round = 0; round < ROUNDS; round++) {
    for (const best of cases) {
      await db.execute(drizzleSql`truncate user_actions`);
      const pg0 = cpuNs(pid);
      const node0 = process.cpuUsage();
      for (let i = 0; i < ROWS; i += best.batch) await methods[best.method]!(rows.slice(i, i + best.batch));
      const node = process.cpuUsage(node0);
      best.pg = Math.min(best.pg, (cpuNs(pid) - pg0) / 1000 / ROWS);
      best.node = Math.min(best.node, (node.user + node.system) / ROWS);
      const [{ n }] = (await client`select count(*)::int as n from user_actions`) as unknown as [{ n: number }];
      if (n !== ROWS) throw new Error(`${best.method}: ${n} rows stored, ${ROWS} inserted`);
    }
  }
  for (const { method, batch, pg, node } of cases) {
    console.log(
      `${setup.name.padEnd(28)} ${method.padEnd(14)} batch ${String(batch).padStart(3)}: PostgreSQL ${pg.toFixed(1).padStart(5)} µs/row, Node ${node.toFixed(1).padStart(5)} µs/row`,
    );
  }
  for (const index of setup.dropped) await client.unsafe(indexDefinitions.get(index)!);
}
await client.end();
