// Python's notion of whitespace (str.strip / str.isspace), which DRF uses to trim and to decide
// "blank". It differs from JavaScript's trim(): U+001C–U+001F and U+0085 are whitespace here,
// U+FEFF is not.
export const WHITESPACE_CLASS =
  '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM = new RegExp(`^[${WHITESPACE_CLASS}]+|[${WHITESPACE_CLASS}]+$`, 'g');
const ALL_WHITESPACE = new RegExp(`^[${WHITESPACE_CLASS}]*$`);

export const trimWhitespace = (text: string): string => text.replace(TRIM, '');
export const isBlank = (text: string): boolean => ALL_WHITESPACE.test(text);

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
