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
  stdin: readStdin,
}).then((code) => {
  process.exitCode = code;
});

const MAX_STDIN_BYTES = 256 * 1024 * 1024;

/** All of standard input, refused beyond MAX_STDIN_BYTES. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_STDIN_BYTES) throw new Error(`standard input is larger than ${MAX_STDIN_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
