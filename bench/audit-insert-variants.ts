// Ways of writing a batch of audit rows other than the repository's, for bench/audit-insert-cost.ts:
// the repository's statement as it was (unnamed, built by drizzle per batch), `unnest` of one text
// array per column (cast to the column types in PostgreSQL), and COPY FROM STDIN in text format.
// Measured on 2026-12-05, bundled with esbuild (PostgreSQL / Node µs per row, batches of 10 | 100):
// unnamed 32.5 / 31.5 | 12.3 / 5.1, prepared (the repository) 18.9 / 10.8 | 11.0 / 4.2, unnest
// 19.0 / 16.4 | 9.6 / 5.4; COPY (under tsx, next to prepared at 10.7 / 4.4) — | 16.3 / 16.5
// (postgres.js's COPY also never settles the stream when the server refuses the data, issue #1173).
import { finished } from 'node:stream/promises';
import { getTableColumns, sql, type SQLChunk } from 'drizzle-orm';
import type { AppDatabase } from '../server/src/db/database';
import type { Sql } from 'postgres';
import type { NewAuditLog } from '../server/src/db/audit-repository';
import { userActions } from '../server/src/db/schema';
import { storableJson, storableText } from '../server/src/db/storable-text';

const columns = Object.entries(getTableColumns(userActions))
  .filter(([, column]) => !column.generatedIdentity)
  .map(([key, column]) => [key as keyof NewAuditLog, column] as const);
const targets = columns.map(([, column]) => `"${column.name}"`).join(', ');

/** `{"a","b"}`: an array literal, for the one array column unnest cannot take as a 2-D array. */
const arrayLiteral = (items: readonly string[]) => `{${items.map((item) => `"${storableText(item).replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;

const unnestSelect = `insert into user_actions (${targets}) select ${columns
  .map(([key], i) => (key === 'roles' ? `c${i}::text[]` : `c${i}`))
  .join(', ')} from unnest(${columns
  .map(([key, column], i) => (key === 'roles' ? `$${i + 1}::text[]` : `$${i + 1}::text[]::${column.getSQLType()}[]`))
  .join(', ')}) as u(${columns.map((_, i) => `c${i}`).join(', ')})`;

/** COPY's text format: backslash, tab, newline and carriage return escaped; NULL is `\N`. */
const copyEscape = (text: string) => text.replace(/[\\\t\n\r]/g, (char) => (char === '\\' ? '\\\\' : char === '\t' ? '\\t' : char === '\n' ? '\\n' : '\\r'));
function copyField(key: keyof NewAuditLog, value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (key === 'request_data') return copyEscape(JSON.stringify(value, storableJson));
  if (key === 'roles') return copyEscape(arrayLiteral(value as string[]));
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return String(value);
  return copyEscape(storableText(value as string));
}
const copyText = (rows: readonly NewAuditLog[]) => {
  let text = '';
  for (const row of rows) text += `${columns.map(([key]) => copyField(key, row[key])).join('\t')}\n`;
  return text;
};

/** The repository's statement before it was prepared (main at 4dca1eb): built by drizzle per batch, sent unnamed by db.execute. */
function insertFromJsonUnnamed() {
  const list = (render: (key: string, column: (typeof columns)[number][1]) => SQLChunk) =>
    sql.join(columns.map(([key, column]) => render(key, column)), sql.raw(', '));
  const targets = list((_, column) => sql.identifier(column.name));
  const fields = list((key) => sql.identifier(key));
  const recordType = list((key, column) => sql`${sql.identifier(key)} ${sql.raw(column.getSQLType())}`);
  return (json: string) =>
    sql`insert into ${userActions} (${targets}) select ${fields} from jsonb_to_recordset(${json}::jsonb) as r(${recordType})`;
}

export function insertStatements(client: Sql, db: AppDatabase) {
  const before = insertFromJsonUnnamed();
  return {
    jsonUnnamed: (rows: NewAuditLog[]) => db.execute(before(JSON.stringify(rows, storableJson))),
    unnest: (rows: NewAuditLog[]) =>
      client.unsafe(
        unnestSelect,
        columns.map(([key]) =>
          client.array(
            rows.map((row) => {
              const value = row[key];
              if (value === null) return null;
              if (key === 'roles') return arrayLiteral(value as string[]);
              if (key === 'request_data') return JSON.stringify(value, storableJson);
              if (value instanceof Date) return value.toISOString();
              return typeof value === 'string' ? storableText(value) : String(value);
            }),
            25,
          ),
        ) as never[],
        { prepare: true },
      ),
    copy: async (rows: NewAuditLog[]) => {
      const stream = await client.unsafe(`copy user_actions (${targets}) from stdin`).writable();
      stream.end(copyText(rows));
      await finished(stream);
    },
  };
}
