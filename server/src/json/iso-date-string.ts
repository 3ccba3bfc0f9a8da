// `date.toISOString()`, computed in JavaScript. Both wire formats write every Date as its ISO string,
// and V8's builtin is slow for that volume: ~0.4 µs a call (and more through JSON.stringify's
// Date.prototype.toJSON), against ~0.1 µs for this integer arithmetic on the time value, which
// the JIT compiles to a few divisions. A list of a hundred authors carries two hundred Dates.
// The digits are written as bytes (the JSON encoder writes them straight into its output); the
// string form reads them back. Hand-written because it is small and hot; it covers the years
// 1970–9999 and leaves any other time to the builtin.

const DAY_MS = 86_400_000;
/** 9999-12-31T23:59:59.999Z: past it the year takes more than four digits (`+010000-…`). */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
/** Days from 0000-03-01 to 1970-01-01: the calendar below starts its years in March. */
const EPOCH_SHIFT_DAYS = 719_468;
const DAYS_PER_400_YEARS = 146_097;
const ZERO = 48;

/** `YYYY-MM-DDTHH:MM:SS.sssZ` */
export const ISO_DATE_LENGTH = 24;

/**
 * Writes the ISO 8601 form of `time` (ms since the epoch), exactly as `toISOString()` writes it,
 * as 24 ASCII bytes at `at`; false (nothing written) outside 1970–9999.
 */
export function writeIsoDate(target: Uint8Array, at: number, time: number): boolean {
  if (!(time >= 0 && time <= LAST_FOUR_DIGIT_YEAR_MS)) return false;
  // Floor division rather than `time % DAY_MS`: the time is a double, and its remainder is a call to
  // fmod; from here on every value fits in 32 bits (`| 0` says so), and the JIT keeps to integer
  // arithmetic, turning the divisions by constants into multiplications.
  const daysSinceEpoch = Math.floor(time / DAY_MS) | 0;
  const msOfDay = (time - daysSinceEpoch * DAY_MS) | 0;
  // Howard Hinnant's civil_from_days, for non-negative day counts (`| 0` truncates = floors).
  const days = (daysSinceEpoch + EPOCH_SHIFT_DAYS) | 0;
  const era = (days / DAYS_PER_400_YEARS) | 0;
  const dayOfEra = (days - era * DAYS_PER_400_YEARS) | 0;
  const yearOfEra =
    ((dayOfEra - ((dayOfEra / 1460) | 0) + ((dayOfEra / 36524) | 0) - ((dayOfEra / 146096) | 0)) / 365) | 0;
  const dayOfYear = (dayOfEra - (365 * yearOfEra + ((yearOfEra / 4) | 0) - ((yearOfEra / 100) | 0))) | 0;
  const monthFromMarch = ((5 * dayOfYear + 2) / 153) | 0;
  const day = (dayOfYear - (((153 * monthFromMarch + 2) / 5) | 0) + 1) | 0;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = (yearOfEra + era * 400 + (month <= 2 ? 1 : 0)) | 0;
  const seconds = (msOfDay / 1000) | 0;
  const ms = (msOfDay - seconds * 1000) | 0;
  const minutes = (seconds / 60) | 0;
  const hour = (minutes / 60) | 0;
  const century = (year / 100) | 0;
  writePair(target, at, century);
  writePair(target, at + 2, year - century * 100);
  target[at + 4] = 0x2d;
  writePair(target, at + 5, month);
  target[at + 7] = 0x2d;
  writePair(target, at + 8, day);
  target[at + 10] = 0x54;
  writePair(target, at + 11, hour);
  target[at + 13] = 0x3a;
  writePair(target, at + 14, minutes - hour * 60);
  target[at + 16] = 0x3a;
  writePair(target, at + 17, seconds - minutes * 60);
  target[at + 19] = 0x2e;
  const tenths = (ms / 100) | 0;
  target[at + 20] = ZERO + tenths;
  writePair(target, at + 21, ms - tenths * 100);
  target[at + 23] = 0x5a;
  return true;
}

/** "00" to "99" as character codes, two per number: a lookup instead of a division per digit. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => ZERO + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10));

/** The two digits of `value` (0–99) at `at`. */
function writePair(target: Uint8Array, at: number, value: number): void {
  target[at] = PAIRS[value * 2]!;
  target[at + 1] = PAIRS[value * 2 + 1]!;
}

const scratch = Buffer.allocUnsafeSlow(ISO_DATE_LENGTH);

/** The ISO 8601 form of a valid Date, exactly as `date.toISOString()` writes it. */
export function isoDateString(date: Date): string {
  return writeIsoDate(scratch, 0, date.getTime()) ? scratch.toString('latin1', 0, ISO_DATE_LENGTH) : date.toISOString();
}
