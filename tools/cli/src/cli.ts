import { ApiClient, ApiError, ConfigError, apiBaseUrl } from './api-client';
import { apiToken } from './api-token';
import { UsageError, parseArgs, quote } from './args';
import type { Command, CommandContext } from './command';
import { CommandError } from './command-error';
import { definitionsValidateCommand } from './definitions-command';
import { definitionsAffectedCommand } from './affected-command';
import { debianCompareVersionsCommand } from './debian-command';
import { dlqListCommand, dlqReplayCommand } from './dlq-command';
import { patchReplayCommand } from './replay-command';
import { runCommand } from './run-command';
import { watchOnceCommand } from './watch-command';
import { buildCommand } from './build-command';
import { sbomCommand } from './sbom-command';
import { testCommand } from './test-command';
import { scanCommand } from './scan-command';
import { publishCommand } from './publish-command';
import { signCommand } from './sign-command';
import { verifyCommand } from './verify-command';
import { runsCommand } from './runs-command';
import { safeText } from './terminal-text';
import { auditCommand, tokenCreateCommand, tokenListCommand, tokenRevokeCommand } from './token-command';
import { triggerCommand } from './trigger-command';
import { commandUsage, generalUsage } from './usage';
import { webhooksListenCommand } from './webhooks-listen-command';
import { webhooksDeliveriesCommand, webhooksReplayCommand } from './webhooks-deliveries-command';
import {
  webhooksAddCommand,
  webhooksDisableCommand,
  webhooksEnableCommand,
  webhooksListCommand,
  webhooksRmCommand,
  webhooksRotateCommand,
} from './webhooks-subscriptions-command';

export const COMMANDS: readonly Command[] = [
  runsCommand,
  runCommand,
  triggerCommand,
  dlqListCommand,
  dlqReplayCommand,
  definitionsValidateCommand,
  definitionsAffectedCommand,
  patchReplayCommand,
  watchOnceCommand,
  buildCommand,
  sbomCommand,
  testCommand,
  scanCommand,
  publishCommand,
  signCommand,
  verifyCommand,
  debianCompareVersionsCommand,
  tokenCreateCommand,
  tokenListCommand,
  tokenRevokeCommand,
  auditCommand,
  webhooksAddCommand,
  webhooksListCommand,
  webhooksRmCommand,
  webhooksRotateCommand,
  webhooksEnableCommand,
  webhooksDisableCommand,
  webhooksDeliveriesCommand,
  webhooksReplayCommand,
  webhooksListenCommand,
];

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  now?: () => number;
  /** Standard input, for the commands that read it (none: empty). */
  stdin?: () => Promise<string>;
}

/** Runs one command line; resolves with the process exit code (0 done, 1 failed, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const print = (...lines: string[]) => io.stdout(lines.map((l) => `${l}\n`).join(''));
  try {
    const [first, ...rest] = argv;
    if (first === undefined) throw new UsageError('missing command');
    if (first === '--help' || first === '-h') {
      if (rest.length) throw new UsageError(`unexpected argument ${quote(rest[0] as string)} after ${first}`);
      print(...generalUsage(COMMANDS));
      return EXIT_OK;
    }
    if (first === 'help') {
      print(...helpFor(rest));
      return EXIT_OK;
    }
    if (first.startsWith('-')) throw new UsageError(`unknown flag ${quote(first)}; flags come after the command`);
    const name = isGroup(first) ? `${first} ${rest[0] ?? ''}` : first;
    const commandArgs = isGroup(first) ? rest.slice(1) : rest;
    if (isGroup(first) && (rest[0] === '--help' || rest[0] === '-h')) {
      print(...commandUsage(commandsNamed(first)));
      return EXIT_OK;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      if (!isGroup(first)) throw new UsageError(`unknown command ${quote(first)}`);
      if (rest[0] === undefined) throw new UsageError(`${first} needs a subcommand`, first);
      throw new UsageError(`unknown ${first} subcommand ${quote(rest[0])}`, first);
    }
    const args = parseArgs(commandArgs, { ...command.flags, help: 'boolean' }, command.name);
    if (args.flags.get('help') === true) {
      print(...commandUsage([command]));
      return EXIT_OK;
    }
    let api: ApiClient | undefined;
    const ctx: CommandContext = {
      get api() {
        if (api) return api;
        const base = apiBaseUrl(io.env);
        return (api = new ApiClient(base, undefined, apiToken(io.env, base)));
      },
      now: (io.now ?? Date.now)(),
      print,
      warn: (...lines) => io.stderr(lines.map((l) => `${l}\n`).join('')),
      stdin: () => (io.stdin ? io.stdin() : Promise.resolve('')),
    };
    // A command's run() may end in `return ctx.print(…)`: only a number is an exit code.
    const code: unknown = await command.run(args, ctx);
    return typeof code === 'number' ? code : EXIT_OK;
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    const named = error.command ? commandsNamed(error.command) : [];
    const usage = named.length
      ? named.map((c) => `usage: patch-factory ${c.name} ${c.synopsis}`)
      : ['usage: patch-factory <command> [arguments] [flags]'];
    io.stderr(`patch-factory: ${error.message}\n${usage.join('\n')}\n(see "patch-factory --help")\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError) {
    io.stderr(`patch-factory: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof CommandError) {
    io.stderr(`error ${safeText(error.code, 64)}: ${safeText(error.message)}\n`);
    return EXIT_FAILED;
  }
  if (error instanceof ApiError) {
    io.stderr(`error ${safeText(error.code, 64)}: ${safeText(error.message)}\n`);
    return EXIT_FAILED;
  }
  io.stderr(`error internal: ${safeText(error instanceof Error ? error.message : String(error))}\n`);
  return EXIT_FAILED;
}

/** `help`, `help runs`, `help dlq`, `help dlq replay`. */
function helpFor(topic: readonly string[]): string[] {
  if (topic.length === 0) return generalUsage(COMMANDS);
  const name = topic.join(' ');
  const named = commandsNamed(name);
  if (!named.length) throw new UsageError(`no help for ${quote(name)}: not a command`);
  return commandUsage(named);
}

/** The command with this name, or every command of the group with this name. */
function commandsNamed(name: string): Command[] {
  return COMMANDS.filter((c) => c.name === name || c.name.startsWith(`${name} `));
}

function isGroup(word: string): boolean {
  return COMMANDS.some((c) => c.name.startsWith(`${word} `));
}
