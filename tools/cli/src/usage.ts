import { DEFAULT_API_URL } from './api-client';
import type { Command } from './command';

/** The general usage: every command on one line each. */
export function generalUsage(commands: readonly Command[]): string[] {
  const lines = commands.map((c) => [`${c.name} ${c.synopsis}`, c.summary] as const);
  lines.push(['help [COMMAND]', 'this text, or the help of one command']);
  const width = Math.max(...lines.map(([l]) => l.length));
  return [
    'usage: patch-factory <command> [arguments] [flags]',
    '',
    'The command line of patch-factory: look at pipeline runs and the dead-letter queue, start runs,',
    'manage webhook subscriptions and their deliveries, validate catalog definitions (locally, without the API).',
    '',
    'Commands:',
    ...lines.map(([l, s]) => `  ${l.padEnd(width)}  ${s}`),
    '',
    'Environment:',
    `  PF_API_URL  the operator API (default ${DEFAULT_API_URL})`,
    '',
    'Exit codes: 0 done, 1 the API refused or could not be reached (or a definition is invalid), 2 usage error.',
  ];
}

/** The usage of one command, or of a group (`dlq`): its synopsis, summary and flags. */
export function commandUsage(commands: readonly Command[]): string[] {
  const out: string[] = [];
  for (const c of commands) {
    if (out.length) out.push('');
    out.push(`usage: patch-factory ${c.name} ${c.synopsis}`, '', `  ${c.summary}`);
    if (c.help.length) out.push('', ...c.help.map((h) => `  ${h}`));
  }
  return out;
}
