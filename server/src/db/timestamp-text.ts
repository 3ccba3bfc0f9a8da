// A `timestamptz` as PostgreSQL writes it in text (DateStyle ISO: `2026-12-05 01:49:13.123456+00`),
// read into a Date by its fixed positions. The postgres.js driver hands drizzle timestamps as text,
// and `new Date(text)` takes that form through V8's slow legacy date parser: ~0.2 µs a call, two per
// author row, 100 rows per list (bench W1/W2). Reading the digits where they stand and handing them
// to Date.UTC is several times cheaper. Hand-written because it is small and on the hot read path;
// any text it does not expect exactly (other years, BC, infinity, an offset with seconds…) goes to
// `new Date(text)`, so the result is always what that gives (test/timestamp-text.test.ts compares).


const ZERO = 48;

/** The two-digit number at `at`, or NaN (which fails every range check below) when either is not a digit. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - ZERO;
  const ones = text.charCodeAt(at + 1) - ZERO;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : Number.NaN;
}

/** `±HH` or `±HH:MM` from `at` to the end of `text`, in milliseconds east of UTC; NaN otherwise. */
function offsetMs(text: string, at: number): number {
  const sign = text.charCodeAt(at);
  const length = text.length - at;
  const hours = twoDigits(text, at + 1);
  const minutes = length === 3 ? 0 : length === 6 && text.charCodeAt(at + 3) === 0x3a ? twoDigits(text, at + 4) : Number.NaN;
  // PostgreSQL's offsets stay within ±15:59; anything else is left to the parser.
  if (!(hours <= 15 && minutes <= 59) || (sign !== 0x2b && sign !== 0x2d)) return Number.NaN;
  return (sign === 0x2d ? -60_000 : 60_000) * (hours * 60 + minutes);
}

/** The Date `new Date(text)` gives for a `timestamptz`'s text. */
export function dateOfTimestampText(text: string): Date {
  // `YYYY-MM-DD HH:MM:SS`, a year of four digits from 1000 (Date.UTC maps 0–99 to 19xx).
  const century = twoDigits(text, 0);
  const year = century * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  // An optional fraction of 1–6 digits, of which the Date keeps milliseconds (truncated, as V8 does).
  let end = 19;
  let ms = 0;
  if (text.charCodeAt(19) === 0x2e) {
    for (end = 20; end < 26; end++) {
      const digit = text.charCodeAt(end) - ZERO;
      if (!(digit >= 0 && digit <= 9)) break;
      if (end < 23) ms += digit * (end === 20 ? 100 : end === 21 ? 10 : 1);
    }
    if (end === 20) ms = Number.NaN;
  }
  if (
    century >= 10 &&
    month >= 1 && month <= 12 &&
    day >= 1 && (day <= 28 || day <= daysIn(year, month)) &&
    hour <= 23 && minute <= 59 && second <= 59 &&
    text.charCodeAt(4) === 0x2d && text.charCodeAt(7) === 0x2d && text.charCodeAt(10) === 0x20 &&
    text.charCodeAt(13) === 0x3a && text.charCodeAt(16) === 0x3a
  ) {
    // Out-of-range fields (February 30th, 24:00…), which Date.UTC would roll over, went to the parser above.
    const time = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs(text, end);
    if (!Number.isNaN(time)) return new Date(time);
  }
  return new Date(text);
}

/** Days in `month` (1–12) of `year`. */
function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
