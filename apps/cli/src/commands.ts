/**
 * The zkCli-style commands, declared with commander. Each run parses one command line against a
 * fresh program (commander keeps option values on the Command), prints zkCli's text to `out`, and
 * throws on failure so the caller can set the exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import type { CreateMode, ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { formatAcl, formatEvent, formatStat, parseAcl, UsageError } from './format.js';

/** Where a command writes its output lines. */
export interface Output {
  line(text: string): void;
}

/** Everything a command needs. */
export interface CommandContext {
  client: ZooKeeperClient;
  out: Output;
  /** Interactive mode keeps the session open, so watches can fire later. */
  interactive: boolean;
}

const ADD_WATCH_USAGE =
  'addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE';

/** Builds a commander program whose actions run against `ctx`. */
export function buildProgram(ctx: CommandContext): Command {
  const { out } = ctx;
  const c = () => ctx.client;
  const watcher = (e: Parameters<typeof formatEvent>[0]) => {
    out.line('');
    out.line('WATCHER::');
    out.line('');
    out.line(formatEvent(e));
  };
  const program = new Command('registrar-cli')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out.line(s.trimEnd()),
      writeErr: (s) => out.line(s.trimEnd()),
    })
    .allowExcessArguments(false);

  program
    .command('ls')
    .description('list children')
    .option('-s', 'print the stat too')
    .option('-w', 'watch for child changes')
    .option('-R', 'recursive (breadth first)')
    .argument('<path>')
    .action(async (path: string, o: { s?: boolean; w?: boolean; R?: boolean }) => {
      if (o.R) {
        for (const p of await listTree(c(), path)) out.line(p);
        return;
      }
      const { children, stat } = await c().getChildren2(path, o.w ? watcher : undefined);
      out.line(`[${children.sort().join(', ')}]`);
      if (o.s) formatStat(stat).forEach((l) => out.line(l));
    });

  program
    .command('get')
    .option('-s', 'print the stat too')
    .option('-w', 'watch for changes')
    .argument('<path>')
    .action(async (path: string, o: { s?: boolean; w?: boolean }) => {
      const { data, stat } = await c().getData(path, o.w ? watcher : undefined);
      out.line(data.toString('utf8'));
      if (o.s) formatStat(stat).forEach((l) => out.line(l));
    });

  program
    .command('set')
    .option('-s', 'print the new stat')
    .option('-v <version>', 'expected version')
    .argument('<path>')
    .argument('<data>')
    .action(async (path: string, data: string, o: { s?: boolean; v?: string }) => {
      const stat = await c().setData(path, data, o.v === undefined ? -1 : toInt(o.v));
      if (o.s) formatStat(stat).forEach((l) => out.line(l));
    });

  program
    .command('create')
    .option('-e', 'ephemeral')
    .option('-s', 'sequential')
    .option('-c', 'container')
    .option('-t <ttl>', 'time to live, ms')
    .argument('<path>')
    .argument('[data]')
    .argument('[acl]')
    .action(
      async (
        path: string,
        data: string | undefined,
        acl: string | undefined,
        o: { e?: boolean; s?: boolean; c?: boolean; t?: string },
      ) => {
        const mode = createMode(o);
        const ttl = o.t === undefined ? undefined : toInt(o.t);
        const res = await c().create(path, data, {
          mode,
          ttl,
          acl: acl === undefined ? undefined : parseAcl(acl),
        });
        out.line(`Created ${res.path}`);
      },
    );

  program
    .command('delete')
    .option('-v <version>', 'expected version')
    .argument('<path>')
    .action(async (path: string, o: { v?: string }) => {
      await c().delete(path, o.v === undefined ? -1 : toInt(o.v));
    });

  program
    .command('deleteall')
    .option('-b <batch>', 'ops per multi', '1000')
    .argument('<path>')
    .action(async (path: string, o: { b: string }) => {
      await deleteAll(c(), path, toInt(o.b));
    });

  program
    .command('stat')
    .option('-w', 'watch')
    .argument('<path>')
    .action(async (path: string, o: { w?: boolean }) => {
      const stat = await c().exists(path, o.w ? watcher : undefined);
      if (stat === null) throw new UsageError(`Node does not exist: ${path}`);
      formatStat(stat).forEach((l) => out.line(l));
    });

  program
    .command('getAcl')
    .option('-s', 'print the stat too')
    .argument('<path>')
    .action(async (path: string, o: { s?: boolean }) => {
      const { acl, stat } = await c().getACL(path);
      formatAcl(acl).forEach((l) => out.line(l));
      if (o.s) formatStat(stat).forEach((l) => out.line(l));
    });

  program
    .command('setAcl')
    .option('-s', 'print the new stat')
    .option('-v <version>', 'expected acl version')
    .option('-R', 'recursive')
    .argument('<path>')
    .argument('<acl>')
    .action(async (path: string, aclText: string, o: { s?: boolean; v?: string; R?: boolean }) => {
      const acl = parseAcl(aclText);
      const version = o.v === undefined ? -1 : toInt(o.v);
      const paths = o.R ? await listTree(c(), path) : [path];
      let last;
      for (const p of paths) last = await c().setACL(p, acl, p === path ? version : -1);
      if (o.s && last) formatStat(last).forEach((l) => out.line(l));
    });

  program
    .command('addauth')
    .argument('<scheme>')
    .argument('[auth]')
    .action(async (scheme: string, auth: string | undefined) => {
      await c().addAuth(scheme, auth ?? '');
    });

  program
    .command('sync')
    .argument('<path>')
    .action(async (path: string) => {
      await c().sync(path);
      out.line('Sync is OK');
    });

  program
    .command('addWatch')
    .addOption(new Option('-m <mode>', 'PERSISTENT or PERSISTENT_RECURSIVE').default('PERSISTENT_RECURSIVE'))
    .argument('<path>')
    .action(async (path: string, o: { m: string }) => {
      if (o.m !== 'PERSISTENT' && o.m !== 'PERSISTENT_RECURSIVE') throw new UsageError(ADD_WATCH_USAGE);
      await c().addWatch(path, o.m === 'PERSISTENT' ? 'persistent' : 'recursive', watcher);
    });

  program
    .command('getEphemerals')
    .argument('[path]')
    .action(async (path: string | undefined) => {
      const list = await c().getEphemerals(path ?? '/');
      out.line(`[${list.sort().join(', ')}]`);
    });

  program
    .command('getAllChildrenNumber')
    .argument('<path>')
    .action(async (path: string) => {
      out.line(String(await c().getAllChildrenNumber(path)));
    });

  program.command('whoami').action(async () => {
    out.line('Auth scheme: User');
    for (const id of await c().whoAmI()) out.line(`${id.scheme}: ${id.user}`);
  });

  program.command('config').action(async () => {
    const { data } = await c().getData('/zookeeper/config');
    out.line(data.toString('utf8'));
  });

  return program;
}

function toInt(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`not a number: ${text}`);
  return Number(text);
}

function createMode(o: { e?: boolean; s?: boolean; c?: boolean; t?: string }): CreateMode {
  if (o.t !== undefined) {
    if (o.e) throw new UsageError('TTLs cannot be used with Ephemeral znodes');
    if (o.c) throw new UsageError('TTLs cannot be used with Container znodes');
    return o.s ? 'persistent_sequential_ttl' : 'ttl';
  }
  if (o.c) {
    if (o.e || o.s)
      throw new UsageError(
        '-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.',
      );
    return 'container';
  }
  if (o.e) return o.s ? 'ephemeral_sequential' : 'ephemeral';
  return o.s ? 'persistent_sequential' : 'persistent';
}

/** The subtree rooted at `root`, breadth first, children sorted. */
export async function listTree(client: ZooKeeperClient, root: string): Promise<string[]> {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    const kids = (await client.getChildren(p)).sort();
    for (const k of kids) out.push(p === '/' ? `/${k}` : `${p}/${k}`);
  }
  return out;
}

/** Deletes a subtree, deepest first, in multi batches (as zkCli's deleteall does). */
export async function deleteAll(client: ZooKeeperClient, root: string, batch: number): Promise<void> {
  const tree = await listTree(client, root);
  tree.reverse();
  for (let i = 0; i < tree.length; i += Math.max(1, batch)) {
    await client.multi(
      tree.slice(i, i + Math.max(1, batch)).map((path) => ({ type: 'delete' as const, path })),
    );
  }
}

/** True for commander's own "help shown"/"version shown" exits, which are not failures. */
export function isCommanderInfo(err: unknown): boolean {
  return (
    err instanceof CommanderError &&
    (err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.help' ||
      err.code === 'commander.version')
  );
}
