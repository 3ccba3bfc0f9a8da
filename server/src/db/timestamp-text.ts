// A `timestamptz` as PostgreSQL writes it in text (DateStyle ISO: `2026-12-05 01:49:13.123456+00`),
// read into a Date by its fixed positions. The postgres.js driver hands drizzle timestamps as text,
// and `new Date(text)` takes that form through V8's slow legacy date parser: ~170 ns a call, two per
// author row, 100 rows per list (bench W1/W2). Reading the digits where they stand and computing the
// time value with integer arithmetic takes ~75 ns, of which ~30 ns is `new Date(time)` itself
// (Date.UTC, a C++ builtin, cost ~35 ns more). Hand-written because it is small and on the hot read
// path; any text it does not expect exactly (other years, BC, infinity, an offset with seconds…)
// goes to `new Date(text)`, so the result is always what that gives (test/timestamp-text.test.ts
// compares).

const ZERO = 48;
const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
/** Days from 0000-03-01 to 1970-01-01: the calendar of daysFromCivil() starts its years in March. */
const EPOCH_SHIFT_DAYS = 719_468;
/**
 * What twoDigits() gives for anything but two digits: below every range checked, and an integer,
 * so that the compiled code keeps every field in integer registers (NaN made them all doubles).
 */
const NOT_DIGITS = -1000;

/** The two-digit number at `at`, or NOT_DIGITS when either is not a digit. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - ZERO;
  const ones = text.charCodeAt(at + 1) - ZERO;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : NOT_DIGITS;
}

/** The Date `new Date(text)` gives for a `timestamptz`'s text. */
export function dateOfTimestampText(text: string): Date {
  // `YYYY-MM-DD HH:MM:SS`, a year of four digits from 1000 (the parser reads shorter years otherwise).
  const century = twoDigits(text, 0);
  const yearOfCentury = twoDigits(text, 2);
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
      if (end < 23) ms = ms * 10 + digit;
    }
    // `.1` is 100 ms and `.12` 120 ms; a point without digits goes to the parser.
    ms = end === 20 ? NOT_DIGITS : end === 21 ? ms * 100 : end === 22 ? ms * 10 : ms;
  }
  // Then `±HH` or `±HH:MM` to the end: PostgreSQL's offsets stay within ±15:59 (±HH:MM:SS is left to the parser).
  const sign = text.charCodeAt(end);
  const offsetHours = twoDigits(text, end + 1);
  const offsetMinutes =
    text.length === end + 3 ? 0 : text.length === end + 6 && text.charCodeAt(end + 3) === 0x3a ? twoDigits(text, end + 4) : NOT_DIGITS;
  if (
    century >= 10 && yearOfCentury >= 0 &&
    month >= 1 && month <= 12 &&
    // Days up to 31 in any month: the parser rolls February 30th over to March 2nd (or 1st), as
    // daysFromCivil() does, being linear in the day. Other out-of-range fields go to the parser.
    day >= 1 && day <= 31 &&
    hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && ms >= 0 &&
    (sign === 0x2b || sign === 0x2d) && offsetHours >= 0 && offsetHours <= 15 && offsetMinutes >= 0 && offsetMinutes <= 59 &&
    text.charCodeAt(4) === 0x2d && text.charCodeAt(7) === 0x2d && text.charCodeAt(10) === 0x20 &&
    text.charCodeAt(13) === 0x3a && text.charCodeAt(16) === 0x3a
  ) {
    // Integers far below 2^53 all the way, so exact: the time value Date.UTC would give.
    const offset = offsetHours * 60 + offsetMinutes;
    const minutes =
      daysFromCivil(century * 100 + yearOfCentury, month, day) * DAY_MINUTES + hour * 60 + minute + (sign === 0x2d ? offset : -offset);
    return new Date(minutes * MINUTE_MS + second * 1000 + ms);
  }
  return new Date(text);
}

/**
 * Days from 1970-01-01 to day 1–31 of month 1–12 of a year from 1 on (a day past the month's end
 * counts on into the next): Howard Hinnant's days_from_civil, the inverse of the civil_from_days in
 * json/iso-date-string.ts (`| 0` floors these non-negative quotients).
 */
function daysFromCivil(year: number, month: number, day: number): number {
  // Years start in March, so that a leap day is the last day of its year.
  const marchYear = month <= 2 ? year - 1 : year;
  const dayOfMarchYear = (((153 * (month <= 2 ? month + 9 : month - 3) + 2) / 5) | 0) + day - 1;
  return (
    marchYear * 365 + (marchYear >> 2) - ((marchYear / 100) | 0) + ((marchYear / 400) | 0) + dayOfMarchYear - EPOCH_SHIFT_DAYS
  );
}
