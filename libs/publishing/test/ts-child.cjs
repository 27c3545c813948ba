'use strict';
// Runs a TypeScript file of this repository from source, in a process of its own, for tests
// that need a real child process (e.g. one killed with SIGKILL) running the code as it is now,
// not a build of it: `node ts-child.cjs <file.ts> [args...]`. Each .ts file is transpiled on
// load (typescript's transpileModule, the repository's decorator settings) and
// `@patch-factory/<lib>` resolves to libs/<lib>/src/index.ts, as in jest.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Module = require('node:module');
const ts = require('typescript');

const root = path.resolve(__dirname, '..', '..', '..');
const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2023,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  inlineSourceMap: true,
};

// Transpiled files are kept by content (a test starts many children over the same sources).
const cacheDir = path.join(
  os.tmpdir(),
  `pf-ts-child-cache-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`,
);
fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });

function transpile(filename, source) {
  const key = crypto.createHash('sha256').update(`${ts.version}\0${filename}\0${source}`).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
    const temp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(temp, outputText);
    fs.renameSync(temp, cached);
    return outputText;
  }
}

Module._extensions['.ts'] = function compileTs(module, filename) {
  module._compile(transpile(filename, fs.readFileSync(filename, 'utf8')), filename);
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveLibs(request, ...rest) {
  const lib = /^@patch-factory\/([a-z][a-z0-9-]*)$/.exec(request);
  return resolveFilename.call(this, lib ? path.join(root, 'libs', lib[1], 'src', 'index.ts') : request, ...rest);
};

require('reflect-metadata');
const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node ts-child.cjs <file.ts> [args...]\n');
  process.exit(2);
}
require(path.resolve(entry));
