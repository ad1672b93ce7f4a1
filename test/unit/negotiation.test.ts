import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../src/http/errors.js';
import { negotiate } from '../../src/http/negotiation.js';

const fails = (format: string | undefined, accept: string | undefined, status: number, detail: string) => {
  assert.throws(
    () => negotiate(format, accept),
    (error: unknown) =>
      error instanceof ApiError &&
      error.statusCode === status &&
      JSON.stringify(error.body) === JSON.stringify({ detail }),
    `${format} / ${accept}`,
  );
};

describe('negotiate(format, accept)', () => {
  test('the format parameter names the renderer, which Accept must still allow (as DRF)', () => {
    assert.equal(negotiate('json', undefined), 'json');
    assert.equal(negotiate('json', '*/*'), 'json');
    assert.equal(negotiate('json', 'text/html, */*;q=0.8'), 'json');
    assert.equal(negotiate('json', 'application/*'), 'json');
    assert.equal(negotiate('json', ','), 'json');
    assert.equal(negotiate('api', undefined), 'html');
    assert.equal(negotiate('api', '*/*'), 'html');
    assert.equal(negotiate('api', 'application/json, text/html'), 'html');
    assert.equal(negotiate('', 'text/html'), 'html');
    assert.equal(negotiate(undefined, undefined), 'json');
    fails('json', 'text/html', 406, 'Could not satisfy the request Accept header.');
    fails('json', 'application/xml', 406, 'Could not satisfy the request Accept header.');
    fails('api', 'application/json', 406, 'Could not satisfy the request Accept header.');
    for (const format of ['xml', 'JSON', 'html', ' json', 'yaml']) {
      fails(format, undefined, 404, 'Not found.');
      fails(format, 'application/xml', 404, 'Not found.');
    }
  });

  test('Accept: the most specific entries first, then the first listed; q is ignored', () => {
    const cases: Array<[string, 'json' | 'html']> = [
      ['', 'json'],
      ['*/*', 'json'],
      ['application/json', 'json'],
      ['application/*', 'json'],
      ['APPLICATION/JSON', 'json'],
      ['text/html', 'html'],
      ['text/*', 'html'],
      ['text/html, application/json', 'html'],
      ['application/json, text/html', 'json'],
      ['*/*, text/html', 'html'],
      ['application/*, text/html', 'html'],
      ['text/*, application/json', 'json'],
      ['text/html;q=0.1, application/json;q=0.9', 'html'],
      ['text/html, application/json; indent=4', 'json'],
      ['application/xml, */*', 'json'],
      ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
      [',', 'json'],
      [' ; q=1', 'json'],
    ];
    for (const [accept, renderer] of cases) assert.equal(negotiate(undefined, accept), renderer, accept);
  });

  test('an Accept that neither renderer satisfies is 406', () => {
    for (const accept of ['application/xml', 'text/plain', 'image/*', 'application/xml, text/csv', 'json']) {
      fails(undefined, accept, 406, 'Could not satisfy the request Accept header.');
    }
  });
});
