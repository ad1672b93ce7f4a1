import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT } from '../helpers/compiled.js';

// `npm test` runs the sources compiled to JavaScript (helpers/compiled.ts), where the body thread
// loads compiled JavaScript too. From source (`npm run dev`) it loads TypeScript through tsx: this
// runs that path, in a process started as `npm run dev` starts one.

const PARSE_THROUGH_THREAD = `
  import { BodyThread } from './src/http/body-thread.ts';
  const thread = new BodyThread();
  const body = Buffer.from('{"product":"Apple","price":100,"other":1}');
  const result = await thread.parse(body, 'application/json', 'application/json', ['product', 'price']);
  await thread.close();
  console.log(JSON.stringify(result));
`;

test('from source, the body thread loads its TypeScript through tsx and parses', async () => {
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', PARSE_THROUGH_THREAD],
    { cwd: PROJECT },
  );
  assert.equal(stderr, '');
  assert.deepEqual(JSON.parse(stdout), { data: { product: 'Apple', price: 100 } });
});
