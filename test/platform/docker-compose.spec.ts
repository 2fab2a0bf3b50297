/**
 * docker-compose.yml against the topology `npm start` runs (no Docker engine here, so the file is
 * checked by reading it): the same processes, the same ports, a volume per member, health checks,
 * and start-up order through depends_on conditions; the Dockerfile builds in stages and ships
 * production dependencies only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planTopology } from '../../scripts/platform/topology.js';
import { REPO_ROOT } from '../support/registrar-member.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as Compose;
const dockerfile = readFileSync(join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');
const topology = planTopology({ members: 3, instances: 2, portOffset: 0, dataDir: '/data' });
const svc = (name: string): Service => {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
/** host port of a "host:container" or "ip:host:container" mapping for `container`. */
const hostPort = (s: Service, container: number): number | undefined => {
  for (const p of s.ports ?? []) {
    const parts = String(p).split(':');
    if (Number(parts[parts.length - 1]) === container) return Number(parts[parts.length - 2]);
  }
  return undefined;
};

describe('docker-compose.yml', () => {
  it('runs exactly the processes npm start runs (plus PostgreSQL behind a profile)', () => {
    const expected = [
      ...topology.members.map((m) => m.name),
      ...topology.instances.map((i) => i.name),
      topology.gateway.name,
      'postgres',
    ].sort();
    expect(Object.keys(compose.services).sort()).toEqual(expected);
    expect(svc('postgres').profiles).toEqual(['postgres']);
    for (const name of expected.filter((n) => n !== 'postgres')) expect(svc(name).profiles).toBeUndefined();
  });

  it('gives every member its id, the full member list, a volume and the npm start host ports', () => {
    for (const m of topology.members) {
      const s = svc(m.name);
      expect(s.entrypoint).toEqual(['/app/docker/coordinator-entrypoint.sh']);
      expect(s.environment?.['MY_ID']).toBe(String(m.myid));
      expect(s.environment?.['SERVERS']).toBe(topology.members.map((o) => `${o.myid}=${o.name}`).join(','));
      const volume = `${m.name}-data`;
      expect(s.volumes).toEqual([`${volume}:/data`]);
      expect(compose.volumes).toHaveProperty(volume);
      expect(hostPort(s, 2181)).toBe(m.clientPort);
      expect(hostPort(s, 8080)).toBe(m.adminPort);
      expect(s.healthcheck?.test.join(' ')).toContain('ruok');
    }
  });

  it('runs each service instance on its npm start ports, registered under its own name', () => {
    const connect = topology.members.map((m) => `${m.name}:2181`).join(',');
    for (const i of topology.instances) {
      const s = svc(i.name);
      expect(s.command).toEqual([i.service]);
      const env = s.environment!;
      expect(env['INSTANCE_ID']).toBe(i.name);
      expect(env['ADVERTISED_HOST']).toBe(i.name); // what the gateway dials
      expect(Number(env['HTTP_PORT'])).toBe(i.httpPort);
      expect(Number(env['RPC_PORT'])).toBe(i.rpcPort);
      expect(env['COORDINATION_CONNECT_STRING']).toBe(connect);
      expect(env['DATABASE_PATH']).toBe(`/data/${i.service}.sqlite`);
      expect(env['POSTGRES_DB']).toBe(i.service.replace('-', '_'));
      // The instances of one service share their SQLite volume, as they share the file under npm start.
      expect(s.volumes).toEqual([`${i.service}-data:/data`]);
      expect(compose.volumes).toHaveProperty(`${i.service}-data`);
      expect(hostPort(s, i.httpPort)).toBe(i.httpPort);
      expect(s.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${i.httpPort}/health`);
      if (i.service === 'course-enrollment')
        expect(env['REGISTRAR_ADMIN_PASSWORD']).toMatch(/^\$\{REGISTRAR_ADMIN_PASSWORD:\?/);
    }
  });

  it('starts in npm start order: members healthy, first instance (migrations) before the others, gateway last', () => {
    for (const i of topology.instances) {
      const deps = svc(i.name).depends_on!;
      for (const m of topology.members) expect(deps[m.name]).toEqual({ condition: 'service_healthy' });
      expect(deps['postgres']).toEqual({ condition: 'service_healthy', required: false });
      if (i.index > 1) expect(deps[`${i.service}-1`]).toEqual({ condition: 'service_healthy' });
    }
    const gw = svc('gateway');
    for (const name of [...topology.members, ...topology.instances].map((p) => p.name)) {
      expect(gw.depends_on![name]).toEqual({ condition: 'service_healthy' });
    }
    expect(hostPort(gw, 3000)).toBe(topology.gateway.httpPort);
    expect(gw.environment?.['HTTP_PORT']).toBe('3000');
    expect(gw.healthcheck?.test.join(' ')).toContain('/health');
  });

  it('every depends_on names a service with a health check', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const dep of Object.keys(s.depends_on ?? {})) {
        expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
        expect(compose.services[dep]!.healthcheck, `${dep} has a health check`).toBeDefined();
      }
    }
  });

  it('builds in stages and ships production dependencies only', () => {
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
    expect(stages).toEqual(['build', 'runtime']);
    const [buildStage, runtime] = dockerfile.split(/^FROM .* AS runtime$/m);
    expect(buildStage).toMatch(/RUN npm run build/);
    expect(buildStage).toMatch(/npm prune --omit=dev/);
    expect(runtime).not.toMatch(/npm (install|ci)/);
    expect(runtime).toMatch(/COPY --from=build .*\/app\/node_modules/);
    expect(runtime).toMatch(/COPY --from=build .*\/app\/dist/);
    expect(runtime).toMatch(/^USER node$/m);
    for (const s of Object.values(compose.services).filter((x) => x.build)) {
      expect(s.build).toEqual({ context: '.', dockerfile: 'docker/Dockerfile' });
    }
  });
});
