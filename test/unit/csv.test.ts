import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { csvField, csvRecord, parseCsv } from '../../src/http/csv.js';
import { neutralise, restore } from '../../src/items/csv.js';
import { cpuTimeOf } from '../helpers/cpu-time.js';

// RFC 4180 as src/http/csv.ts reads and writes it, and the formula neutralising of src/items/csv.ts.

const fieldsOf = (text: string) => {
  const parsed = parseCsv(text);
  return 'records' in parsed ? parsed.records.map((record) => [record.line, ...record.fields]) : parsed.problem;
};

describe('parseCsv', () => {
  test('records and the line each starts on', () => {
    const cases: Array<[string, unknown]> = [
      ['', []],
      ['a', [[1, 'a']]],
      [
        'a,b\r\nc,d\r\n',
        [
          [1, 'a', 'b'],
          [2, 'c', 'd'],
        ],
      ],
      [
        'a,b\nc,d',
        [
          [1, 'a', 'b'],
          [2, 'c', 'd'],
        ],
      ],
      [
        'a\rb\r',
        [
          [1, 'a'],
          [2, 'b'],
        ],
      ],
      [
        'a,\r\n,b',
        [
          [1, 'a', ''],
          [2, '', 'b'],
        ],
      ],
      [',', [[1, '', '']]],
      ['"a,b","c""d"', [[1, 'a,b', 'c"d']]],
      [
        '"x\r\ny",z\r\nnext',
        [
          [1, 'x\r\ny', 'z'],
          [3, 'next'],
        ],
      ],
      [
        '"a\nb\nc"\nd',
        [
          [1, 'a\nb\nc'],
          [4, 'd'],
        ],
      ],
      ['""', [[1, '']]],
      ['"",""', [[1, '', '']]],
      [' a , b ', [[1, ' a ', ' b ']]],
      ['\ufeffid,product', [[1, 'id', 'product']]],
      [
        'a\r\n\r\n\nb\r\n\r\n',
        [
          [1, 'a'],
          [4, 'b'],
        ],
      ],
      ['Ἀθῆναι,東京,"Zürich, CH"', [[1, 'Ἀθῆναι', '東京', 'Zürich, CH']]],
      ["'=1+1,@x", [[1, "'=1+1", '@x']]],
    ];
    for (const [text, expected] of cases) assert.deepEqual(fieldsOf(text), expected, JSON.stringify(text));
  });

  test('problems: line and column of where the text stops being CSV', () => {
    const cases: Array<[string, { line: number; column: number }]> = [
      ['a,b"c', { line: 1, column: 2 }],
      ['id\r\nx,"open', { line: 2, column: 2 }],
      ['a\r\n"one\r\ntwo', { line: 2, column: 1 }],
      ['"closed"x,y', { line: 1, column: 1 }],
      ['a,b\r\nc,"d\r\ne"f', { line: 3, column: 2 }],
    ];
    for (const [text, where] of cases) {
      const parsed = parseCsv(text);
      assert.ok('problem' in parsed, JSON.stringify(text));
      assert.deepEqual({ line: parsed.problem.line, column: parsed.problem.column }, where, JSON.stringify(text));
    }
    const withHeader = parseCsv('id,product\r\n1,"x');
    assert.ok('problem' in withHeader);
    assert.deepEqual(withHeader.header, ['id', 'product']);
  });

  test('linear time on hostile input', async () => {
    for (const text of [
      '"'.repeat(200_001),
      `"${'""'.repeat(200_000)}`,
      `${'a,'.repeat(200_000)}"`,
      '\n'.repeat(400_000),
    ]) {
      const cpu = await cpuTimeOf(() => parseCsv(text));
      assert.ok(cpu < 2000, `${text.slice(0, 5)}…: ${cpu} ms of CPU`);
    }
  });
});

describe('csvField and csvRecord', () => {
  test('quotes only what needs it; records end with CRLF; parse reads them back', () => {
    const cases: Array<[string, string]> = [
      ['plain', 'plain'],
      ['', ''],
      ['a,b', '"a,b"'],
      ['say "hi"', '"say ""hi"""'],
      ['two\r\nlines', '"two\r\nlines"'],
      ['lf\n', '"lf\n"'],
      [' spaced ', ' spaced '],
      ['Ἀθῆναι', 'Ἀθῆναι'],
    ];
    for (const [value, written] of cases) assert.equal(csvField(value), written, JSON.stringify(value));
    const values = cases.map(([value]) => value);
    const text = csvRecord(values);
    assert.ok(text.endsWith('\r\n'));
    assert.deepEqual(fieldsOf(text), [[1, ...values]]);
  });
});

describe('formula neutralising', () => {
  test('one apostrophe before what a spreadsheet would run; restore takes exactly that one away', () => {
    const cases: Array<[string, string]> = [
      ['=SUM(A1)', "'=SUM(A1)"],
      ['+1', "'+1"],
      ['-5', "'-5"],
      ['@cmd', "'@cmd"],
      ['\tx', "'\tx"],
      ['\rx', "'\rx"],
      ["'=x", "''=x"],
      ["''-1", "'''-1"],
      ["'plain", "'plain"],
      ['plain=1', 'plain=1'],
      ['', ''],
      ["'", "'"],
    ];
    for (const [value, exported] of cases) {
      assert.equal(neutralise(value), exported, JSON.stringify(value));
      assert.equal(restore(exported), value, JSON.stringify(exported));
    }
  });
});
