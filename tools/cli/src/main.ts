import { runCli } from './cli';

/** `patch-factory`: the command line of the factory (see `patch-factory --help`). */
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // The reader went away (`patch-factory runs | head`): stop quietly.
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

void runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
