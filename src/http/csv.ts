// CSV as RFC 4180 writes it, read in one pass (time linear in the text, no backtracking): fields
// separated by commas, records by line breaks, a field in double quotes may hold commas, line
// breaks and quotes (doubled). Reading is lenient where spreadsheets differ and strict where the
// meaning would be a guess:
// - a line break is CRLF, LF or a lone CR (old Mac exports); the last one is optional;
// - an empty line is no record (spreadsheets leave them at the end);
// - a leading UTF-8 byte order mark is not part of the first field (Excel writes one);
// - a quote inside an unquoted field, text after a closing quote, and a quote left open are errors,
//   reported by line and column (both from 1; a record's line is the one it starts on).
// Writing quotes only the fields that need it and ends every record with CRLF, as RFC 4180 says.

export interface CsvRecord {
  /** The line the record starts on, from 1. */
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  /** The field's position in its record, from 1. */
  column: number;
  message: string;
}

/** The records, or the first problem (with the first record, the header, when it was read before it). */
export type CsvParse = { records: CsvRecord[] } | { problem: CsvProblem; header?: string[] };

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

export function parseCsv(input: string): CsvParse {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const end = text.length;
  let line = 1;
  let i = 0;
  while (i < end) {
    const start = line;
    const fields: string[] = [];
    // An empty line: no record.
    const first = text.charCodeAt(i);
    if (first === CR || first === LF) {
      i += first === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      continue;
    }
    for (;;) {
      const column = fields.length + 1;
      if (text.charCodeAt(i) === QUOTE) {
        const openedOn = line;
        let value = '';
        let from = i + 1;
        for (;;) {
          const quote = text.indexOf('"', from);
          if (quote === -1) {
            return problem(records, openedOn, column, 'A quoted field is never closed: a quote (") is missing.');
          }
          line += countLineBreaks(text, from, quote);
          if (text.charCodeAt(quote + 1) === QUOTE) {
            value += `${text.slice(from, quote)}"`;
            from = quote + 2;
            continue;
          }
          value += text.slice(from, quote);
          i = quote + 1;
          break;
        }
        fields.push(value);
        const next = text.charCodeAt(i);
        if (i < end && next !== COMMA && next !== CR && next !== LF) {
          return problem(
            records,
            line,
            column,
            'Text after the closing quote of a quoted field: quote the whole field.',
          );
        }
      } else {
        let j = i;
        while (j < end) {
          const c = text.charCodeAt(j);
          if (c === COMMA || c === CR || c === LF) break;
          if (c === QUOTE) {
            return problem(
              records,
              line,
              column,
              'A quote (") inside an unquoted field: quote the whole field and double the quote ("").',
            );
          }
          j++;
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i >= end) break;
      const separator = text.charCodeAt(i);
      if (separator === COMMA) {
        i++;
        continue;
      }
      i += separator === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    records.push({ line: start, fields });
  }
  return { records };
}

const problem = (records: CsvRecord[], line: number, column: number, message: string): CsvParse => ({
  problem: { line, column, message },
  ...(records[0] ? { header: records[0].fields } : {}),
});

/** Line breaks (CRLF, LF or CR, each counted once) in text[from, to). */
function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) count++;
    else if (c === CR) {
      count++;
      if (text.charCodeAt(i + 1) === LF) i++;
    }
  }
  return count;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One field as RFC 4180 writes it: in quotes, with quotes doubled, when it holds a quote, comma or line break. */
export const csvField = (value: string): string =>
  NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/** One record, CRLF-terminated. */
export const csvRecord = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\r\n`;
