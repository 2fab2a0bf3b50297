/**
 * A throwaway PostgreSQL cluster for e2e suites: initdb in a temp dir, a server on a free loopback
 * port, trust auth for one role, stopped by PID (`pg_ctl stop` plus a kill of the postmaster we
 * started). Debian's postgresql binaries (scripts/install-test-deps.sh); as root the server runs as
 * the `postgres` system user, since PostgreSQL refuses to run as root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface PostgresCluster {
  /** `postgres://registrar@127.0.0.1:<port>/postgres` */
  baseUrl: string;
  port: number;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): string;
  stop(): Promise<void>;
}

export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  return undefined;
}

function asServerUser(bin: string, args: string[]): { cmd: string; args: string[] } {
  return process.getuid?.() === 0
    ? { cmd: 'runuser', args: ['-u', 'postgres', '--', bin, ...args] }
    : { cmd: bin, args };
}

function run(bin: string, args: string[]): void {
  const c = asServerUser(bin, args);
  const r = spawnSync(c.cmd, c.args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === undefined)
    throw new Error('PostgreSQL server binaries not found (run scripts/install-test-deps.sh)');
  const dir = mkdtempSync(join(tmpdir(), 'registrar-pg-'));
  if (process.getuid?.() === 0)
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), 0);
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'registrar', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  run(join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    'start',
  ]);
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const baseUrl = `postgres://registrar@127.0.0.1:${port}`;
  const psql = join(bin, 'psql');
  return {
    baseUrl: `${baseUrl}/postgres`,
    port,
    createDatabase(name: string): string {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const r = spawnSync(
        psql,
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          'registrar',
          '-d',
          'postgres',
          '-c',
          `CREATE DATABASE ${name}`,
        ],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      if (r.status !== 0) throw new Error(`CREATE DATABASE ${name}: ${r.stderr}`);
      return `${baseUrl}/${name}`;
    },
    async stop(): Promise<void> {
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
