import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Ensemble } from '../support/ensemble.js';
import { REPO_ROOT } from '../support/registrar-member.js';
import { describeEachTarget } from '../support/targets.js';

interface CliRun {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

/** Runs apps/cli with `args`, feeding `stdin` lines (interactive mode) when given. */
function cli(server: string, args: string[], stdin?: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'apps/cli/src/main.ts', '-server', server, ...args],
      {
        cwd: REPO_ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const lines = (s: string) => s.split('\n').filter((l, i, all) => !(i === all.length - 1 && l === ''));
      resolve({ code, stdout: lines(out), stderr: lines(err) });
    });
    child.stdin.end(stdin ? stdin.join('\n') + '\n' : '');
  });
}

const STAT_KEYS = [
  'cZxid',
  'ctime',
  'mZxid',
  'mtime',
  'pZxid',
  'cversion',
  'dataVersion',
  'aclVersion',
  'ephemeralOwner',
  'dataLength',
  'numChildren',
];

describeEachTarget('cli', (target) => {
  let zk: Ensemble;
  beforeAll(async () => {
    zk = await target.start();
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('runs one command and exits 0, or 1 with a zkCli-like message', async () => {
    const ok = await cli(zk.connectString, ['create', '/one', 'data']);
    expect(ok).toEqual({ code: 0, stdout: ['Created /one'], stderr: [] });
    const dup = await cli(zk.connectString, ['create', '/one', 'x']);
    expect(dup).toEqual({ code: 1, stdout: [], stderr: ['Node already exists: /one'] });
    const missing = await cli(zk.connectString, ['get', '/missing']);
    expect(missing).toEqual({ code: 1, stdout: [], stderr: ['Node does not exist: /missing'] });
    const got = await cli(zk.connectString, ['get', '-s', '/one']);
    expect(got.code).toBe(0);
    expect(got.stdout[0]).toBe('data');
    expect(got.stdout.slice(1).map((l) => l.split(' = ')[0])).toEqual(STAT_KEYS);
    expect(got.stdout).toContain('dataLength = 4');
    expect(got.stdout.find((l) => l.startsWith('ctime')) ?? '').toMatch(
      /^ctime = \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}$/,
    );
  }, 60_000);

  it('interactive mode runs a script of commands', async () => {
    const run = await cli(
      zk.connectString,
      [],
      [
        'create /it',
        'create -s /it/seq- s',
        'create -e /it/eph e',
        'create -c /it/cont',
        'create -t 5000 /it/ttl t',
        'create -t 5000 -e /it/bad x',
        'ls /it',
        'ls -R /it',
        'set /it v1 -v 0',
        'set /it v2 -v 0',
        'stat /it/missing',
        'delete /it',
        'getEphemerals /it',
        'getAllChildrenNumber /it',
        'sync /it',
        'whoami',
        'addauth digest alice:secret',
        'create /sec s auth:alice:secret:cdrwa',
        'getAcl /sec',
        'setAcl /it world:anyone:r',
        'getAcl /it',
        'set /it x',
        'addWatch -m BOGUS /it',
        'deleteall /sec',
        'ls /sec',
      ],
    );
    expect(run.stdout).toEqual([
      'Created /it',
      'Created /it/seq-0000000000',
      'Created /it/eph',
      'Created /it/cont',
      'Created /it/ttl',
      '[cont, eph, seq-0000000000, ttl]',
      '/it',
      '/it/cont',
      '/it/eph',
      '/it/seq-0000000000',
      '/it/ttl',
      '[/it/eph]',
      '4',
      'Sync is OK',
      'Auth scheme: User',
      'ip: 127.0.0.1',
      'Created /sec',
      "'digest,'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=",
      ': cdrwa',
      "'world,'anyone",
      ': r',
    ]);
    expect(run.stderr).toEqual([
      'TTLs cannot be used with Ephemeral znodes',
      'version No is not valid : /it',
      'Node does not exist: /it/missing',
      'Node not empty: /it',
      'Insufficient permission : /it',
      'addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE',
      'Node does not exist: /sec',
    ]);
    expect(run.code).toBe(1);
  }, 60_000);
});
