/**
 * Identity through HTTP against the real course-enrollment app (in-process, supertest), a real
 * database (SQLite, or PostgreSQL with E2E_DATABASE=postgres) and a live coordinator ensemble started here: registration, login, tokens verified
 * through the published JWKS, roles, failed-login throttling, the staff account from the environment.
 */
import type { INestApplication } from '@nestjs/common';
import { ZooKeeperClient } from '@registrar/coordination';
import { createServiceApp, JwksService, znodePaths } from '@registrar/platform';
import { TestTokenIssuer } from '@registrar/platform/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eCoordinator } from '../../support/e2e-coordinator.js';
import { startE2eDatabases, type E2eDatabases } from '../../support/e2e-database.js';
import type { Ensemble } from '../../support/ensemble.js';

const ADMIN = { email: 'registrar-admin@example.edu', password: 'admin-pass-123' };
const ROOT = `/e2e-identity-${process.pid}`;

let ensemble: Ensemble;
let app: INestApplication;
let databases: E2eDatabases;
let zk: ZooKeeperClient;
const http = () => request(app.getHttpServer());

async function register(email: string, password = 'student-pass-1', name = 'Student') {
  return http().post('/api/auth/register').send({ email, password, name });
}
async function login(email: string, password: string) {
  return http().post('/api/auth/login').send({ email, password });
}

beforeAll(async () => {
  ensemble = await startE2eCoordinator(3);
  databases = await startE2eDatabases();
  Object.assign(process.env, {
    COORDINATION_CONNECT_STRING: ensemble.connectString,
    REGISTRAR_ZK_ROOT: ROOT,
    ...databases.envFor('course_enrollment'),
    REGISTRAR_ADMIN_EMAIL: ADMIN.email,
    REGISTRAR_ADMIN_PASSWORD: ADMIN.password,
    PASSWORD_SCRYPT_LOG_N: '10',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '5',
    LOG_LEVEL: 'warn',
  });
  // The module reads the environment when it is defined, so import it after setting it.
  const { AppModule } = await import('../../../apps/course-enrollment/src/app.module.js');
  app = await createServiceApp(AppModule, { service: 'course-enrollment', title: 'test' });
  await app.init();
  await app.get(JwksService).idle();
  zk = await ZooKeeperClient.connect(ensemble.connectString);
});

afterAll(async () => {
  await zk?.close();
  await app?.close();
  await ensemble?.stop();
  await databases?.stop();
});

describe('registration', () => {
  it('creates a student account and answers its id', async () => {
    const res = await register('Ada@Example.edu');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: 'ada@example.edu', role: 'student', name: 'Student' });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).not.toHaveProperty('passwordHash');
  });

  it('refuses a second account for the same email, however it is cased', async () => {
    const res = await register('ADA@example.EDU');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
  });

  it('refuses a self-assigned role (mass assignment) and writes nothing', async () => {
    const res = await http()
      .post('/api/auth/register')
      .send({ email: 'mallory@example.edu', password: 'mallory-pass', name: 'M', role: 'staff' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('property role should not exist');
    expect((await login('mallory@example.edu', 'mallory-pass')).status).toBe(401);
  });

  it('validates fields and JSON', async () => {
    expect((await register('not-an-email')).status).toBe(400);
    expect((await register('short@example.edu', 'short')).status).toBe(400);
    const bad = await http()
      .post('/api/auth/register')
      .set('content-type', 'application/json')
      .send('{"email":');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });
});

describe('login and tokens', () => {
  it('issues a token that /api/auth/me accepts', async () => {
    await register('grace@example.edu', 'grace-pass-1', 'Grace');
    const res = await login('grace@example.edu', 'grace-pass-1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    const me = await http().get('/api/auth/me').set('authorization', `Bearer ${res.body.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'grace@example.edu', name: 'Grace', role: 'student' });
  });

  it('publishes only public keys, the one that signed the token among them', async () => {
    const res = await login('grace@example.edu', 'grace-pass-1');
    const kid = JSON.parse(Buffer.from(res.body.accessToken.split('.')[0], 'base64url').toString()).kid;
    const { data } = await zk.getData(znodePaths(ROOT).jwks);
    const doc = JSON.parse(data.toString()) as { keys: Array<Record<string, unknown>> };
    expect(doc.keys.map((k) => k['kid'])).toContain(kid);
    for (const k of doc.keys) expect(k).not.toHaveProperty('d');
  });

  it('refuses missing, malformed, forged, expired and wrongly scoped tokens with 401 JSON', async () => {
    // No wait for the watch: a token signed by a key published a moment ago must verify at once.
    const issuer = await TestTokenIssuer.publish(zk, znodePaths(ROOT).jwks);
    const user = { id: '00000000-0000-4000-8000-000000000000', role: 'student' as const };
    const valid = await issuer.sign(user);
    expect((await http().get('/api/auth/me').set('authorization', `Bearer ${valid}`)).status).toBe(404); // verified; no such account
    const cases: Array<[string, string | undefined]> = [
      ['missing', undefined],
      ['not bearer', 'Basic abc'],
      ['garbage', 'Bearer not.a.jwt'],
      ['forged', `Bearer ${await TestTokenIssuer.forge(user)}`],
      ['expired', `Bearer ${await issuer.sign(user, { expiresIn: -120 })}`],
      ['other audience', `Bearer ${await issuer.sign(user, { audience: 'elsewhere' })}`],
      ['tampered', `Bearer ${valid.slice(0, -4)}AAAA`],
    ];
    for (const [name, header] of cases) {
      const req = http().get('/api/auth/me');
      if (header) req.set('authorization', header);
      const res = await req;
      expect(res.status, name).toBe(401);
      expect(res.body.statusCode, name).toBe(401);
    }
  });

  it('a made-up kid just before does not make the next new key fail', async () => {
    // The forged token makes the verifier catch up on the JWKS; a key published right after it, well
    // inside the one-catch-up-a-second limit, must still verify at once (its token waits for the next).
    const user = { id: '00000000-0000-4000-8000-000000000001', role: 'student' as const };
    const junk = await TestTokenIssuer.forge(user, `made-up-${Date.now()}`);
    expect((await http().get('/api/auth/me').set('authorization', `Bearer ${junk}`)).status).toBe(401);
    const issuer = await TestTokenIssuer.publish(zk, znodePaths(ROOT).jwks);
    const fresh = await issuer.sign(user);
    expect((await http().get('/api/auth/me').set('authorization', `Bearer ${fresh}`)).status).toBe(404); // verified
  });

  it('throttles failed logins per account, lets other accounts in, and answers 429 with Retry-After', async () => {
    await register('victim@example.edu', 'victim-pass-1');
    for (let i = 0; i < 5; i++)
      expect((await login('victim@example.edu', 'wrong-password')).status).toBe(401);
    const blocked = await login('victim@example.edu', 'victim-pass-1');
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBe('900');
    expect((await login('grace@example.edu', 'grace-pass-1')).status).toBe(200);
  });

  it('does not count successful logins: many students log in at once', async () => {
    await register('crowd@example.edu', 'crowd-pass-1');
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => login('crowd@example.edu', 'crowd-pass-1')),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(200));
  });
});

describe('staff', () => {
  it('the environment staff account exists and may create instructors; students may not', async () => {
    const staff = await login(ADMIN.email, ADMIN.password);
    expect(staff.status).toBe(200);
    expect(staff.body.account.role).toBe('staff');
    const created = await http()
      .post('/api/auth/accounts')
      .set('authorization', `Bearer ${staff.body.accessToken}`)
      .send({ email: 'prof@example.edu', password: 'prof-pass-1', name: 'Prof', role: 'instructor' });
    expect(created.status).toBe(201);
    expect(created.body.role).toBe('instructor');

    const student = await login('grace@example.edu', 'grace-pass-1');
    const refused = await http()
      .post('/api/auth/accounts')
      .set('authorization', `Bearer ${student.body.accessToken}`)
      .send({ email: 'x@example.edu', password: 'x-pass-123', name: 'X', role: 'staff' });
    expect(refused.status).toBe(403);
    expect((await login('x@example.edu', 'x-pass-123')).status).toBe(401);
  });
});
