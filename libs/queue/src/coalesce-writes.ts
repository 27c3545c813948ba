import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';

const PATCHED = Symbol('patch-factory.coalesced');

/**
 * Makes the commands a connection writes in one turn of the event loop leave in one
 * socket write: the socket is corked at the first write of a turn and uncorked on the
 * next check phase (setImmediate), so Node sends them with one writev. A worker that
 * finishes many jobs at once (concurrency > 1) otherwise pays one system call per
 * command: the largest single cost of a stage hand-off measured on the benchmark's
 * machine. Commands keep their order and their replies; a lone command waits for no
 * timer, only for the end of the current turn.
 *
 * ioredis makes a new socket on every reconnect, so the hook is applied on each 'connect'.
 */
export function coalesceWrites(redis: Redis): Redis {
  const patch = (): void => {
    const socket = (redis as unknown as { stream?: Socket & { [PATCHED]?: true } }).stream;
    if (!socket || socket[PATCHED]) return;
    socket[PATCHED] = true;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    let corked = false;
    const uncork = (): void => {
      corked = false;
      socket.uncork();
    };
    socket.write = ((...args: unknown[]): boolean => {
      if (!corked && !socket.destroyed) {
        corked = true;
        socket.cork();
        setImmediate(uncork);
      }
      return write(...args);
    }) as Socket['write'];
  };
  redis.on('connect', patch);
  patch();
  return redis;
}
