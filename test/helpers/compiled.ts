import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { vendorBundle, vendorImports } from './vendor.js';

// `npm test` runs the tests compiled to JavaScript, not through tsx: tsx's loader hooks make every
// process start slow, and each test file is a process, as is every server, importer and cluster
// worker the tests start. esbuild compiles src/ and test/ one file per module, as tsx does, into
// dist-test/src and dist-test/test, with source maps so that coverage counts on src/ as before;
// their imports of the service's packages point to one bundle of those (vendor.ts).
// dist-test/ mirrors the project: its other entries (public/, node_modules/, package.json…) are
// links to the real ones, so paths relative to a module resolve as they do from source.
// A test run through tsx still starts its processes from dist-test/src, compiled when src/ or
// test/ changed.

const OUT_NAME = 'dist-test';
/** Compiled, this file is dist-test/test/helpers/compiled.js: one level deeper. */
const runningCompiled = import.meta.url.endsWith('.js');
/** The project itself (never its mirror in dist-test/). */
export const PROJECT = new URL(runningCompiled ? '../../../' : '../../', import.meta.url).pathname;
const OUT = join(PROJECT, OUT_NAME);
const STAMP = join(OUT, '.sources-hash');
const COMPILED = ['src', 'test'];
/** Not linked into the mirror: compiled there, the mirror itself, and what no test reads. */
const NOT_LINKED = new Set([...COMPILED, OUT_NAME, '.git', 'coverage']);

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function hashOf(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(PROJECT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

function stamped(): string | undefined {
  try {
    return readFileSync(STAMP, 'utf8');
  } catch {
    return undefined;
  }
}

/** Writes through a temporary file, so a process starting meanwhile reads a whole file. */
function writeWhole(path: string, contents: Uint8Array) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

function link(target: string, path: string) {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

/** Removes compiled files whose source is gone (a renamed test must not run under its old name). */
function removeStale(dir: string, wanted: Set<string>) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) removeStale(path, wanted);
    else if (!wanted.has(path)) rmSync(path, { force: true });
  }
}

/** Compiles src/ and test/ into dist-test/ unless it holds them as they are now. */
export async function compileForTests(): Promise<void> {
  const files = COMPILED.flatMap((dir) => typeScriptFiles(join(PROJECT, dir)));
  // The lock file too: after an install, vendorBundle must look at the packages again.
  const hash = hashOf([...files, join(PROJECT, 'package-lock.json')]);
  if (stamped() === hash) return;
  const packages = new Set<string>();
  const result = await build({
    entryPoints: files,
    outdir: OUT,
    outbase: PROJECT,
    // Every import stays external (one file per module); bundling only lets vendorImports rewrite them.
    bundle: true,
    plugins: [vendorImports(PROJECT, OUT, packages)],
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    keepNames: true,
    sourcemap: true,
    write: false,
    logLevel: 'warning',
  });
  await vendorBundle(PROJECT, OUT, packages);
  for (const file of result.outputFiles) writeWhole(file.path, file.contents);
  for (const entry of readdirSync(PROJECT)) {
    if (!NOT_LINKED.has(entry)) link(join(PROJECT, entry), join(OUT, entry));
  }
  link(join(PROJECT, 'test', 'fixtures'), join(OUT, 'test', 'fixtures'));
  for (const dir of COMPILED) removeStale(join(OUT, dir), new Set(result.outputFiles.map((file) => file.path)));
  writeWhole(STAMP, Buffer.from(hash));
}

let compiled: Promise<void> | undefined;

/** The absolute path of a module of src/ (as `server.js`) compiled, in dist-test/src. */
export async function compiledModule(module: string): Promise<string> {
  if (!runningCompiled) {
    compiled ??= compileForTests();
    await compiled;
  }
  return join(OUT, 'src', module);
}
