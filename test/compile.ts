import { compileForTests } from './helpers/compiled.js';

// `npm test` runs this first: src/ and test/ compiled into dist-test/ (see helpers/compiled.ts).
await compileForTests();
