// The fixed-position reader of PostgreSQL's timestamptz text gives the Date `new Date(text)` gives,
// for the texts PostgreSQL writes (in several time zones, read from a real server) and for any text.
import fc from 'fast-check';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { dateOfTimestampText } from '../server/src/db/timestamp-text';
import { createTestDatabase, hasPostgres } from './helpers/services';

function sameDate(text: string): void {
  expect(dateOfTimestampText(text).getTime(), text).toEqual(new Date(text).getTime());
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** A timestamptz as PostgreSQL writes it with DateStyle ISO: fraction without trailing zeros, offset ±HH[:MM]. */
const timestampText = fc
  .record({
    time: fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59) }),
    micros: fc.integer({ min: 0, max: 999_999 }),
    offsetMinutes: fc.integer({ min: -15 * 60 - 59, max: 15 * 60 + 59 }),
  })
  .map(({ time, micros, offsetMinutes }) => {
    const local = new Date(Math.floor(time / 1000) * 1000 + offsetMinutes * 60_000);
    const fraction = micros === 0 ? '' : `.${pad(micros, 6).replace(/0+$/, '')}`;
    const offset = Math.abs(offsetMinutes);
    const zone = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(offset / 60), 2)}${offset % 60 ? `:${pad(offset % 60, 2)}` : ''}`;
    return `${local.toISOString().slice(0, 19).replace('T', ' ')}${fraction}${zone}`;
  });

describe('dateOfTimestampText', () => {
  it('reads what new Date(text) reads', () => {
    for (const text of [
      '2026-12-05 01:49:13.123456+00', '2026-12-05 01:49:13.999999+00', '2026-12-05 01:49:13+00', '2026-12-05 01:49:13.1+00',
      '2026-12-05 01:49:13.12+05:30', '2026-12-05 01:49:13.5-08', '2024-02-29 23:59:59.999+00', '1000-01-01 00:00:00+00',
      '9999-12-31 23:59:59.999999+00',
      // Days past the month's end, which the parser rolls over into the next month.
      '2026-02-30 00:00:00+00', '2026-02-31 00:00:00+00', '1900-02-29 00:00:00+00', '2026-04-31 00:00:00+00',
      // Left to the parser: out-of-range fields, seconds in the offset, other years, BC, infinity, junk.
      '2026-12-32 00:00:00+00', '2026-12-00 00:00:00+00', '2026-13-01 00:00:00+00', '2026-12-05 24:00:00+00', '2026-12-05 01:49:60+00',
      '1900-01-01 00:00:00+00:53:28', '0099-01-01 00:00:00+00', '20260-01-01 00:00:00+00', '0001-01-01 00:00:00+00 BC',
      'infinity', '-infinity', '2026-12-05 01:49:13.+00', '2026-12-05 01:49:13.1234567+00', '2026-12-05 01:49:13+99',
      '2026-12-05T01:49:13.123Z', '2026-12-05 01:49:13.123', '',
    ]) sameDate(text);
    fc.assert(fc.property(timestampText, sameDate), { numRuns: 20_000 });
    // Any text of the same shape, character by character.
    const charOf = fc.constantFrom(...'0123456789-+: .T'.split(''));
    fc.assert(fc.property(fc.array(charOf, { minLength: 19, maxLength: 32 }).map((chars) => chars.join('')), sameDate), { numRuns: 20_000 });
    fc.assert(
      fc.property(timestampText, fc.nat(), charOf, (text, at, char) => {
        sameDate(text.slice(0, at % text.length) + char + text.slice((at % text.length) + 1));
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads every calendar edge as new Date(text) does', () => {
    const mismatches: string[] = [];
    const check = (text: string) => {
      if (!Object.is(dateOfTimestampText(text).getTime(), new Date(text).getTime())) mismatches.push(text);
    };
    // Leap years and their exceptions, the first and last four-digit years: every month with days
    // 1–31 (so February 29th–31st, April 31st… which the parser rolls over), in UTC and at both ends of
    // the offsets, where the day, month and year roll over.
    const years = [1000, 1001, 1004, 1100, 1600, 1601, 1700, 1800, 1899, 1900, 1904, 1969, 1970, 1999, 2000, 2024, 2026, 2100, 2400, 9996, 9999];
    for (const year of years) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 31; day++) {
          const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          for (const time of ['00:00:00+00', '23:59:59.999999+00', '00:00:00+15:59', '23:59:59.9-15:59', '00:30:00+01', '23:30:00-01', '12:00:00.5+05:30', '12:00:00-03:30']) {
            check(`${date} ${time}`);
          }
        }
      }
    }
    // Every day of four centuries and a bit, around 1600, 1700, 1800, 1900, 2000 and 2100.
    for (let time = Date.UTC(1599, 11, 25); time <= Date.UTC(2100, 2, 5); time += 86_400_000) {
      check(`${new Date(time).toISOString().slice(0, 10)} 12:34:56.789012+00`);
    }
    // Fractions of 1–6 digits (and 7, which goes to the parser), each with every offset form.
    for (let digits = 1; digits <= 7; digits++) {
      const fraction = '987654321'.slice(0, digits);
      for (const offset of ['+00', '-00', '+05', '-08', '+14', '-15', '+15:59', '-15:59', '+05:30', '-09:30', '+00:00', '+16', '-16:00', '+05:60', '+05:3', '+053', '+5', ' +00']) {
        check(`2026-12-05 01:49:13.${fraction}${offset}`);
        check(`2026-12-05 01:49:13${offset}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it.skipIf(!hasPostgres)('reads what new Date(text) reads for PostgreSQL’s own text, in several time zones', async () => {
    await using database = await createTestDatabase();
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam', 'Pacific/Kiritimati']) {
        await sql.unsafe(`SET TIME ZONE '${zone}'`);
        // Microsecond times from 1880 (offsets with seconds, before standard time) to 2100.
        const rows = await sql.unsafe<{ text: string }[]>(
          `SELECT (timestamptz '1880-01-01 00:00:00+00' + random() * interval '220 years')::text AS text FROM generate_series(1, 2000)`,
        );
        for (const { text } of rows) sameDate(text);
      }
    } finally {
      await sql.end();
    }
  });
});
