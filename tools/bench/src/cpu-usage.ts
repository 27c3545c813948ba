import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const CLK_TCK = 100; // USER_HZ on Linux

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined when unreadable. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name "(…)": state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return Number.isFinite(utime + stime) ? ((utime + stime) * 1000) / CLK_TCK : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (ms) of this process. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU time (ms) the Redis server has used (INFO cpu, main thread). */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1] ?? NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

/** Commands the Redis server has processed (INFO stats; every client of the server, not only ours). */
export async function redisCommands(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/^total_commands_processed:(\d+)/m.exec(info)?.[1] ?? NaN);
}

/** CPU time (ms) all CPUs of the machine spent busy (not idle or waiting for I/O), from /proc/stat. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  const total = ticks.slice(0, 8).reduce((a, b) => a + (b ?? 0), 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return ((total - idle) * 1000) / CLK_TCK;
}

export interface CpuSnapshot {
  workersMs: number;
  launcherMs: number;
  redisMs: number;
  redisCommands: number;
  machineMs: number;
}

export async function cpuSnapshot(redis: Redis, workerPids: readonly number[]): Promise<CpuSnapshot> {
  return {
    workersMs: workerPids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? NaN), 0),
    launcherMs: selfCpuMs(),
    redisMs: await redisCpuMs(redis),
    redisCommands: await redisCommands(redis),
    machineMs: machineBusyMs(),
  };
}
