import { posix } from 'node:path';
import { shown } from '@patch-factory/builder';
import { splitCommandWords } from './command-words';
import { imageExecutable } from './image-path';

/** What one `commands[]` entry runs, or why it cannot run. */
export type CommandArgv = { ok: true; argv: string[] } | { ok: false; why: string };

/**
 * The argv of a test command. With a shell in the image (`/bin/sh`, after symlinks inside the
 * image) it is `/bin/sh -c <command>`. Without one, the command is split into words
 * ({@link splitCommandWords}) and its program looked up in the image: a name with a `/` from the
 * working directory, else along the image's PATH. argv[0] stays the path found (not the file a
 * symlink points to: multi-call programs such as redis-server look at their name).
 */
export async function commandArgv(
  root: string,
  command: string,
  ctx: { shell: boolean; path: string; workDir: string },
): Promise<CommandArgv> {
  if (typeof command !== 'string' || command.includes('\u0000'))
    return { ok: false, why: 'it is not a text without NUL characters' };
  if (ctx.shell) return { ok: true, argv: ['/bin/sh', '-c', command] };
  const words = splitCommandWords(command);
  if (!words.ok) return { ok: false, why: `the image has no /bin/sh and ${words.why}` };
  const [program, ...args] = words.argv;
  if (program === undefined) return { ok: false, why: 'it is empty' };
  if (program.includes('/')) {
    const path = posix.resolve(ctx.workDir, program);
    if ((await imageExecutable(root, path)) === undefined)
      return {
        ok: false,
        why: `"${shown(program, 100)}" is not an executable file in the image (and the image has no /bin/sh)`,
      };
    return { ok: true, argv: [path, ...args] };
  }
  for (const dir of ctx.path.split(':').filter((d) => d.startsWith('/'))) {
    const path = posix.join(dir, program);
    if ((await imageExecutable(root, path)) !== undefined) return { ok: true, argv: [path, ...args] };
  }
  return {
    ok: false,
    why: `"${shown(program, 100)}" is not found on the image's PATH (${shown(ctx.path, 200)}) and the image has no /bin/sh`,
  };
}
