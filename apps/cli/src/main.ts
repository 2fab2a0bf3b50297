/**
 * A zkCli-like command line for Registrar (and any ZooKeeper 3.5+ server).
 *
 *   npm run cli -- -server 127.0.0.1:2181 ls /            # one command, exit code 1 on error
 *   npm run cli -- -server 127.0.0.1:2181                 # interactive shell (reads stdin)
 *
 * Options before the command: -server <connectString> (default 127.0.0.1:2181), -timeout <ms>.
 */
import { createInterface } from 'node:readline';
import { CommanderError } from 'commander';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { TransactionError } from '../../../libs/coordination/src/client/index.js';
import { buildProgram, isCommanderInfo, type Output } from './commands.js';
import { errorMessage, UsageError } from './format.js';

interface GlobalArgs {
  server: string;
  timeout: number;
  command: string[];
}

/** Splits zkCli's single-dash global options from the command words. */
export function parseGlobalArgs(argv: string[]): GlobalArgs {
  let server = '127.0.0.1:2181';
  let timeout = 30_000;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '-server' || a === '--server') && i + 1 < argv.length) server = argv[++i]!;
    else if ((a === '-timeout' || a === '--timeout') && i + 1 < argv.length) timeout = Number(argv[++i]);
    else break;
  }
  return { server, timeout, command: argv.slice(i) };
}

/** Splits a command line into words, honouring single and double quotes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

/** Runs one command; returns false when it failed (the message is already printed). */
async function runCommand(
  client: ZooKeeperClient,
  words: string[],
  out: Output,
  err: Output,
  interactive: boolean,
): Promise<boolean> {
  const program = buildProgram({ client, out, interactive });
  try {
    await program.parseAsync(words, { from: 'user' });
    return true;
  } catch (e) {
    if (isCommanderInfo(e)) return true;
    if (e instanceof CommanderError) return false; // commander printed its own message
    if (e instanceof UsageError) {
      err.line(e.message);
      return false;
    }
    const path = e instanceof TransactionError ? e.path : words.find((w) => w.startsWith('/'));
    err.line(errorMessage(e, path));
    return false;
  }
}

async function main(): Promise<number> {
  const args = parseGlobalArgs(process.argv.slice(2));
  const out: Output = { line: (t) => process.stdout.write(t + '\n') };
  const err: Output = { line: (t) => process.stderr.write(t + '\n') };
  let client: ZooKeeperClient;
  try {
    client = await ZooKeeperClient.connect(args.server, { sessionTimeout: args.timeout });
  } catch (e) {
    err.line(`Cannot connect to ${args.server}: ${errorMessage(e)}`);
    return 2;
  }
  try {
    if (args.command.length > 0) {
      return (await runCommand(client, args.command, out, err, false)) ? 0 : 1;
    }
    // Interactive: one command per line from stdin, errors do not end the session.
    const interactive = process.stdin.isTTY === true;
    const rl = createInterface({
      input: process.stdin,
      output: interactive ? process.stdout : undefined,
      terminal: interactive,
    });
    const prompt = () => interactive && rl.setPrompt(`[zk: ${args.server}(${client.state})] `);
    prompt();
    if (interactive) rl.prompt();
    if (interactive) client.on('state', (s) => out.line(`\n[connection ${s}]`));
    let failures = 0;
    for await (const line of rl) {
      const words = splitWords(line);
      if (words.length > 0) {
        if (words[0] === 'quit' || words[0] === 'exit') break;
        if (!(await runCommand(client, words, out, err, true))) failures++;
      }
      prompt();
      if (interactive) rl.prompt();
    }
    rl.close();
    return failures > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}

const isMain =
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${errorMessage(e)}\n`);
      process.exit(1);
    },
  );
}
