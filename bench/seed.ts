// 10,000 authors with realistic names (first × last × number): one first name in a hundred is
// "John", so `ILIKE '%john%'` matches about 1 % of the table. Each author was created at its own
// time (a second apart, as real rows are, rather than the one now() of a bulk INSERT), and one in
// ten was renamed later (updated_at ≠ created_at): an answer's timestamps are as varied as real ones,
// so no server gains from repeated values that only a bulk load makes. VACUUM ANALYZE (what autovacuum would do
// soon after a bulk load: it also empties the GIN index's pending list, which otherwise makes the
// planner prefer a sequential scan), then ask the planner whether the substring search uses the
// trigram index.
import type { Sql } from 'postgres';

const FIRST = ['John', ...'Mary Ada Alan Grace Linus Ken Dennis Barbara Edsger Donald Margaret Tim Guido Bjarne Anders James Larry Rob Brian Niklaus Frances Radia Hedy Katherine Dorothy Annie Sophie Marie Rosalind Lise Emmy Sofia Hypatia Ida Clara Florence Rachel Jane Emily Charlotte Virginia Agatha Harper Toni Maya Zora Octavia Ursula Mark Leo Fyodor Anton Ivan Boris Vladimir Nikolai Franz Thomas Hermann Rainer Italo Umberto Primo Dante Gabriel Jorge Pablo Julio Carlos Octavio Mario Isabel Laura Elena Natalia Chinua Wole Ngugi Haruki Yukio Kenzaburo Yasunari Banana Orhan Naguib Salman Kazuo Arundhati Vikram Amitav Rohinton Michael Peter Paul George Richard Henry Edward William Robert'.split(' ')].slice(0, 100);
const LAST = 'Smith Brown Lee Wilson Taylor Clark Lewis Walker Hall Allen Young King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Torres Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Peterson Cooper Reed Bailey Bell Gomez Kelly Howard Ward Cox Diaz Richardson Wood Watson Brooks Bennett Gray James Reyes Cruz Hughes Price Myers Long Foster Sanders Ross Morales Powell Sullivan Russell Ortiz Jenkins Gutierrez Perry Butler Barnes Fisher Henderson Coleman Simmons Patterson Jordan Reynolds Hamilton Graham Kim Gonzales Alexander Ramos Wallace Griffin West Cole Hayes Chavez Gibson Bryant Ellis Stevens Murray Ford Marshall Owens'.split(' ');

export async function seedAuthors(sql: Sql, count: number, search: string): Promise<{ rows: number; uses: boolean; summary: string }> {
  await sql`
    INSERT INTO author (name, created_at, updated_at)
    SELECT (${FIRST}::text[])[1 + i % ${FIRST.length}] || ' ' || (${LAST}::text[])[1 + (i / ${FIRST.length}) % ${LAST.length}] || ' ' || i,
      created, CASE WHEN i % 10 = 3 THEN created + interval '1 day 12.345 seconds' ELSE created END
    FROM generate_series(0, ${count - 1}) AS i,
      LATERAL (SELECT now() - (${count} - i) * interval '1.001 seconds' AS created) AS t`;
  await sql`VACUUM ANALYZE author`;
  const pattern = `%${search}%`;
  const [{ rows }] = (await sql`SELECT count(*)::int AS rows FROM author WHERE name ILIKE ${pattern}`) as unknown as [{ rows: number }];
  const plan = (await sql`EXPLAIN SELECT id, name, created_at, updated_at FROM author WHERE name ILIKE ${pattern} ORDER BY id`) as unknown as { 'QUERY PLAN': string }[];
  const lines = plan.map((row) => row['QUERY PLAN'].trim());
  const uses = lines.some((line) => line.includes('author_name_trgm_idx'));
  return { rows, uses, summary: lines.map((line) => line.replace(/\s+\(cost=.*$/, '')).join(' / ') };
}
