// Python's notion of whitespace (str.strip / str.isspace), which DRF uses to trim and to decide
// "blank". It differs from JavaScript's trim(): U+001C–U+001F and U+0085 are whitespace here,
// U+FEFF is not. Everything here runs in one pass over the text: it reads whatever a client sends,
// before any length check, so it must never backtrack.
export const WHITESPACE_CLASS =
  '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

export function isWhitespace(unit: number): boolean {
  if (unit <= 0x20) return unit === 0x20 || (unit >= 0x09 && unit <= 0x0d) || (unit >= 0x1c && unit <= 0x1f);
  if (unit < 0x85) return false;
  return (
    unit === 0x85 ||
    unit === 0xa0 ||
    unit === 0x1680 ||
    (unit >= 0x2000 && unit <= 0x200a) ||
    unit === 0x2028 ||
    unit === 0x2029 ||
    unit === 0x202f ||
    unit === 0x205f ||
    unit === 0x3000
  );
}

export function trimWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

const PYTHON_INTEGER = /^[+-]?\d+(?:_\d+)*$/;

/**
 * Python's int() of a text, as Django and DRF read numbers from URLs: surrounding whitespace,
 * a sign and single underscores between digits are allowed. Undefined when it is not an integer;
 * past 2^53 the value is no longer exact (callers treat it as out of range).
 */
export function pythonInt(text: string): number | undefined {
  const trimmed = trimWhitespace(text);
  if (!PYTHON_INTEGER.test(trimmed)) return undefined;
  const value = Number(trimmed.replaceAll('_', ''));
  return value === 0 ? 0 : value; // -0 → 0
}

/** Whether the text has more than `max` code points, without counting past that. */
export function hasMoreCodePoints(text: string, max: number): boolean {
  if (text.length <= max) return false;
  if (text.length > 2 * max) return true; // a code point is at most two UTF-16 units
  return countCodePoints(text) > max;
}

export function countCodePoints(text: string): number {
  if (text.length <= 1) return text.length;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function firstLoneSurrogate(text: string): number | undefined {
  const match = LONE_SURROGATE.exec(text);
  return match ? match[0].charCodeAt(0) : undefined;
}
