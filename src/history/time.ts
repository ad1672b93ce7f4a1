// Times of the change log: integers, UTC microseconds since the epoch, on both databases (the
// migration's `at`). In answers they are ISO 8601 with six fractional digits and a Z.

const MICROS_PER_MS = 1000;
export const MICROS_PER_DAY = 86_400_000_000;

/** 1700000000123456 → "2023-11-14T22:13:20.123456Z". */
export function isoOfMicros(micros: number): string {
  const ms = Math.floor(micros / MICROS_PER_MS);
  const extra = micros - ms * MICROS_PER_MS;
  return `${new Date(ms).toISOString().slice(0, -1)}${String(extra).padStart(3, '0')}Z`;
}

// A date, or a date and time with up to six fractional digits and an optional offset (none: UTC).
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 date or date-time as microseconds since the epoch; undefined when it is not one. */
export function microsOfIso(text: string): number | undefined {
  const match = ISO.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[];
  const ms = Date.UTC(year as number, (month as number) - 1, day, hour, minute, second);
  const date = new Date(ms);
  // Date.UTC rolls over (February 30th is March 2nd): such a date is not valid.
  if (
    Number.isNaN(ms) ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== (month as number) - 1 ||
    date.getUTCDate() !== day ||
    (hour as number) > 23 ||
    (minute as number) > 59 ||
    (second as number) > 59
  )
    return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    const hours = Number(digits.slice(1, 3));
    const minutes = Number(digits.slice(3, 5));
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (digits[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return (ms - offsetMinutes * 60_000) * MICROS_PER_MS + Number(fraction.padEnd(6, '0'));
}
