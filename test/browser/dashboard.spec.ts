/// <reference lib="dom" />
/**
 * The dashboard in real headless Chromium against the real platform started by `npm start`
 * (3 members, 2 instances of each service, the gateway). Needs `npm run build` (npm start checks).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type RunningPlatform } from '../platform/support/platform-launcher.js';
import { launchChromium, openPage, screenshot, type WatchedPage } from './support/chromium.js';

const WAIT = { timeout: 30_000 };

interface Course {
  id: string;
  code: string;
  enrolled: number;
}
interface Exam {
  id: string;
  title: string;
}
interface Schedule {
  version: number;
  sessions: { id: string; startsAt: string; endsAt: string; room: string; seats: number }[];
}

describe('dashboard', () => {
  let platform: RunningPlatform;
  let browser: Browser;
  let viewer: WatchedPage; // not logged in: the cluster view
  let student: WatchedPage;
  const pages: WatchedPage[] = [];

  const call = async <T>(
    path: string,
    init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const r = await fetch(platform.url + path, {
      method: init.method ?? 'GET',
      headers: {
        ...init.headers,
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const login = async (c: { email: string; password: string }) =>
    (await call<{ accessToken: string }>('/api/auth/login', { method: 'POST', body: c })).body.accessToken;

  const logIn = async (p: Page, c: { email: string; password: string }) => {
    await p.fill('input[name=email]', c.email);
    await p.fill('input[name=password]', c.password);
    await p.click('form.login button[type=submit]');
    await p.waitForSelector('[data-testid=account]', WAIT);
  };

  const enrolledCell = (p: Page, code: string) =>
    p.locator(`[data-testid=course][data-course-code="${code}"] [data-testid=enrolled]`);

  beforeAll(async () => {
    platform = await startPlatform();
    browser = await launchChromium();
    viewer = await openPage(browser, platform.url + '/', 'viewer');
    student = await openPage(browser, platform.url + '/', 'student');
    pages.push(viewer, student);
  });

  afterAll(async () => {
    await browser?.close();
    if (platform) await platform.interrupt();
  });

  it('shows three members and exactly one leader', async () => {
    await viewer.page.waitForFunction(
      () => document.querySelectorAll('[data-testid=member]').length === 3,
      null,
      WAIT,
    );
    await viewer.page.waitForSelector('[data-testid=member][data-mode=leader]', WAIT);
    expect(await viewer.page.locator('[data-testid=member]').count()).toBe(3);
    expect(await viewer.page.locator('[data-testid=member][data-mode=leader]').count()).toBe(1);
    expect(await viewer.page.locator('[data-testid=member][data-mode=follower]').count()).toBe(2);
    await viewer.page.waitForFunction(
      () => document.querySelectorAll('[data-testid=instance][data-healthy=true]').length === 4,
      null,
      WAIT,
    );
    await screenshot(viewer.page, 'cluster');
  });

  it('lets a student log in and enroll by clicking', async () => {
    await logIn(student.page, platform.student);
    const cell = enrolledCell(student.page, 'CS101');
    await cell.waitFor(WAIT);
    const before = Number((await cell.textContent())!.split('/')[0]);
    await student.page.click('button[aria-label="Enroll in CS101"]');
    await student.page.waitForSelector(
      '[data-testid=course][data-course-code="CS101"] [data-testid=my-status]',
      WAIT,
    );
    expect(await student.page.locator('[data-testid=course-message]').textContent()).toContain(
      'CS101: you are enrolled',
    );
    expect(
      await student.page
        .locator('[data-testid=course][data-course-code="CS101"] [data-testid=my-status]')
        .textContent(),
    ).toBe('enrolled');
    await student.page.waitForFunction(
      (want) =>
        document
          .querySelector('[data-testid=course][data-course-code="CS101"] [data-testid=enrolled]')
          ?.textContent?.startsWith(`${want}/`),
      before + 1,
      WAIT,
    );
  });

  it('lets the student register for an exam session by clicking, and notifies them live when it moves', async () => {
    const exams = await call<{ items: Exam[] }>('/api/exams?limit=200');
    const exam = exams.body.items.find((e) => e.title === 'CS101 final exam')!;
    const examSel = `[data-testid=exam][data-exam-id="${exam.id}"]`;
    await student.page.click(
      `${examSel} button[aria-label="Register for CS101 final exam, session afternoon"]`,
    );
    await student.page.waitForSelector(
      `${examSel} [data-testid=exam-session][data-session-id=afternoon] [data-testid=my-exam-status]`,
      WAIT,
    );
    expect(await student.page.locator('[data-testid=exam-message]').textContent()).toContain(
      'registered for afternoon',
    );

    // An exam officer moves that session to another room: the student's page says so without a reload.
    const staff = await login(platform.staff);
    const current = await call<Schedule>(`/api/exams/${exam.id}/schedule`);
    const moved = current.body.sessions.map((x) => (x.id === 'afternoon' ? { ...x, room: 'Lab 3' } : x));
    const put = await call(`/api/exams/${exam.id}/schedule`, {
      method: 'PUT',
      token: staff,
      headers: { 'if-match': `"${current.body.version}"` },
      body: { sessions: moved },
    });
    expect(put.status).toBe(200);
    await student.page.waitForSelector('[data-testid=notifications] li', WAIT);
    await student.page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'Lab 3',
      `${examSel} [data-testid=exam-session][data-session-id=afternoon] [data-testid=session-room]`,
      WAIT,
    );
    await screenshot(student.page, 'exam-registered-notified');
  });

  it('updates a seat count on the open page when someone enrolls through the API', async () => {
    const cell = enrolledCell(student.page, 'HIST110');
    await cell.waitFor(WAIT);
    const shownBefore = Number((await cell.textContent())!.split('/')[0]);
    const email = `api-student-${Date.now()}@registrar.example`;
    const reg = await call('/api/auth/register', {
      method: 'POST',
      body: { email, password: 'a-long-password', name: 'API Student' },
    });
    expect(reg.status).toBe(201);
    const token = await login({ email, password: 'a-long-password' });
    const courses = await call<{ items: Course[] }>('/api/courses?pageSize=100', { token });
    const hist = courses.body.items.find((c) => c.code === 'HIST110')!;
    expect(hist.enrolled).toBe(shownBefore);
    const r = await call(`/api/courses/${hist.id}/enrollments`, { method: 'POST', token, body: {} });
    expect(r.status).toBe(201);
    await student.page.waitForFunction(
      (want) =>
        document
          .querySelector('[data-testid=course][data-course-code="HIST110"] [data-testid=enrolled]')
          ?.textContent?.startsWith(`${want}/`),
      shownBefore + 1,
      WAIT,
    );
    await screenshot(student.page, 'student-enrolled');
  });

  it('shows a schedule edited through the API without a reload', async () => {
    const staff = await login(platform.staff);
    const exams = await call<{ items: Exam[] }>('/api/exams?limit=200');
    const exam = exams.body.items.find((e) => e.title === 'CS101 final exam')!;
    const current = await call<Schedule>(`/api/exams/${exam.id}/schedule`);
    const sessions = current.body.sessions.map((s) =>
      s.id === 'morning' ? { ...s, room: 'Great Hall B' } : s,
    );
    const put = await call<Schedule>(`/api/exams/${exam.id}/schedule`, {
      method: 'PUT',
      token: staff,
      headers: { 'if-match': `"${current.body.version}"` },
      body: { sessions },
    });
    expect(put.status).toBe(200);
    const row = `[data-testid=exam][data-exam-id="${exam.id}"] [data-testid=exam-session][data-session-id=morning] [data-testid=session-room]`;
    await viewer.page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'Great Hall B',
      row,
      WAIT,
    );
    expect(
      await viewer.page
        .locator(`[data-testid=exam][data-exam-id="${exam.id}"] [data-testid=schedule-version]`)
        .textContent(),
    ).toBe(`v${put.body.version}`);
  });

  it('shows staff the newer version instead of overwriting it (412)', async () => {
    const staffPage = await openPage(browser, platform.url + '/', 'staff');
    pages.push(staffPage);
    await logIn(staffPage.page, platform.staff);
    const exams = await call<{ items: Exam[] }>('/api/exams?limit=200');
    const exam = exams.body.items.find((e) => e.title === 'MATH201 midterm')!;
    const examSel = `[data-testid=exam][data-exam-id="${exam.id}"]`;
    await staffPage.page.click(`${examSel} button[aria-label^="Edit schedule"]`);
    await staffPage.page.fill(`${examSel} input[aria-label="Session 1 room"]`, 'Room 101 (mine)');

    // Meanwhile another officer saves through the API.
    const staff = await login(platform.staff);
    const current = await call<Schedule>(`/api/exams/${exam.id}/schedule`);
    const theirs = current.body.sessions.map((s) => ({ ...s, room: 'Auditorium (theirs)' }));
    const put = await call<Schedule>(`/api/exams/${exam.id}/schedule`, {
      method: 'PUT',
      token: staff,
      headers: { 'if-match': `"${current.body.version}"` },
      body: { sessions: theirs },
    });
    expect(put.status).toBe(200);

    await staffPage.page.click(`${examSel} button[type=submit]`);
    const conflict = staffPage.page.locator(`${examSel} [data-testid=schedule-conflict]`);
    await conflict.waitFor(WAIT);
    expect(await conflict.textContent()).toContain(`version ${put.body.version} was saved`);
    expect(await conflict.textContent()).toContain('Auditorium (theirs)');
    const after = await call<Schedule>(`/api/exams/${exam.id}/schedule`);
    expect(after.body.version).toBe(put.body.version);
    expect(after.body.sessions[0]!.room).toBe('Auditorium (theirs)');
    await screenshot(staffPage.page, 'schedule-conflict');
  });

  it('refuses a change that gives a student overlapping exams, listing them, and saves it on "Save anyway"', async () => {
    const staff = await login(platform.staff);
    const tag = Date.now().toString(36).toUpperCase();
    // A student enrolled in a fresh course with two exams (same day, 09:00 and 13:00), registered for both.
    const course = await call<{ id: string }>('/api/courses', {
      method: 'POST',
      token: staff,
      body: { code: `CLASH-${tag}`, title: `Clash ${tag}`, capacity: 10, waitlistCapacity: 0 },
    });
    expect(course.status).toBe(201);
    const email = `clash-${tag.toLowerCase()}@registrar.example`;
    const reg = await call('/api/auth/register', {
      method: 'POST',
      body: { email, password: 'a-long-password', name: 'Clash Student' },
    });
    expect(reg.status).toBe(201);
    const signedIn = await call<{ accessToken: string; account: { id: string } }>('/api/auth/login', {
      method: 'POST',
      body: { email, password: 'a-long-password' },
    });
    const token = signedIn.body.accessToken;
    const studentId = signedIn.body.account.id;
    expect(
      (await call(`/api/courses/${course.body.id}/enrollments`, { method: 'POST', token, body: {} })).status,
    ).toBe(201);
    const day = new Date(Date.now() + 40 * 86_400_000);
    const at = (hour: number) => {
      const d = new Date(day);
      d.setUTCHours(hour, 0, 0, 0);
      return d.toISOString();
    };
    const exams: { id: string; sessionId: string; startsAt: string; endsAt: string }[] = [];
    for (const [title, hour, room] of [
      [`Clash A ${tag}`, 9, 'Clash Room A'],
      [`Clash B ${tag}`, 13, 'Clash Room B'],
    ] as const) {
      const exam = await call<Exam>('/api/exams', {
        method: 'POST',
        token: staff,
        body: { courseId: course.body.id, title },
      });
      expect(exam.status).toBe(201);
      const session = { id: 's1', startsAt: at(hour), endsAt: at(hour + 2), room, seats: 5 };
      const put = await call(`/api/exams/${exam.body.id}/schedule`, {
        method: 'PUT',
        token: staff,
        headers: { 'if-match': '"0"' },
        body: { sessions: [session] },
      });
      expect(put.status).toBe(200);
      // The instance asked may not have this version yet (the other one wrote it): retry briefly.
      const deadline = Date.now() + 10_000;
      let r = await call(`/api/exams/${exam.body.id}/sessions/s1/registrations`, { method: 'POST', token });
      while (r.status !== 201 && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 200));
        r = await call(`/api/exams/${exam.body.id}/sessions/s1/registrations`, { method: 'POST', token });
      }
      expect(r.status).toBe(201);
      exams.push({ id: exam.body.id, sessionId: 's1', startsAt: session.startsAt, endsAt: session.endsAt });
    }
    const [a, b] = exams as [(typeof exams)[0], (typeof exams)[0]];

    // Staff move exam B onto exam A's time in the editor.
    const staffPage = await openPage(browser, platform.url + '/', 'staff-clash');
    pages.push(staffPage);
    await logIn(staffPage.page, platform.staff);
    const examSel = `[data-testid=exam][data-exam-id="${b.id}"]`;
    await staffPage.page.click(`${examSel} button[aria-label^="Edit schedule"]`, WAIT);
    // datetime-local values are in the page's time zone.
    const local = (iso: string) =>
      staffPage.page.evaluate((v) => {
        const d = new Date(v);
        const p = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
      }, iso);
    await staffPage.page.fill(`${examSel} input[aria-label="Session 1 start"]`, await local(a.startsAt));
    await staffPage.page.fill(`${examSel} input[aria-label="Session 1 end"]`, await local(a.endsAt));
    await staffPage.page.click(`${examSel} button[type=submit]`);

    const clashes = staffPage.page.locator(`${examSel} [data-testid=schedule-clashes]`);
    await clashes.waitFor(WAIT);
    expect(await clashes.textContent()).toContain(studentId);
    expect(await clashes.textContent()).toContain(a.id);
    await screenshot(staffPage.page, 'schedule-clashes');
    const refused = await call<Schedule>(`/api/exams/${b.id}/schedule`);
    expect(refused.body.version).toBe(1);

    await staffPage.page.click(`${examSel} [data-testid=schedule-clashes] button`);
    const deadline = Date.now() + 30_000;
    let saved = await call<Schedule>(`/api/exams/${b.id}/schedule`);
    while (saved.body.version !== 2 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 200));
      saved = await call<Schedule>(`/api/exams/${b.id}/schedule`);
    }
    expect(saved.body.version).toBe(2);
    expect(saved.body.sessions[0]!.startsAt).toBe(a.startsAt);
  });

  it('shows a new leader within seconds after the leader is killed', async () => {
    const leaderId = await viewer.page.getAttribute(
      '[data-testid=member][data-mode=leader]',
      'data-member-id',
    );
    const pid = platform.memberPid(Number(leaderId));
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    await viewer.page.waitForSelector(
      `[data-testid=member][data-member-id="${leaderId}"][data-mode=down]`,
      WAIT,
    );
    await viewer.page.waitForFunction(
      (old) => {
        const leaders = [...document.querySelectorAll('[data-testid=member][data-mode=leader]')];
        return leaders.length === 1 && leaders[0]!.getAttribute('data-member-id') !== old;
      },
      leaderId,
      WAIT,
    );
    await screenshot(viewer.page, 'new-leader');
  });

  it('keeps working after an instance dies, and logged no console errors', async () => {
    const victim = platform.instancePid('course-enrollment-2');
    expect(victim).toBeDefined();
    process.kill(victim!, 'SIGKILL');
    // Unhealthy at once (its /health stops answering), gone when its session expires.
    await viewer.page.waitForFunction(
      () => {
        const row = document.querySelector('[data-testid=instance][data-instance-id="course-enrollment-2"]');
        return row === null || row.getAttribute('data-healthy') === 'false';
      },
      null,
      WAIT,
    );
    // Enrolling still works on the page (through the remaining instance).
    await student.page.click('button[aria-label="Enroll in MATH201"]');
    await student.page.waitForSelector(
      '[data-testid=course][data-course-code="MATH201"] [data-testid=my-status]',
      WAIT,
    );
    await screenshot(student.page, 'after-instance-death');
    // Chromium logs every non-2xx answer as "Failed to load resource"; the one 412 of the conflict
    // test and the one 409 of the clash test are the answers under test (they prove the panels came
    // from the server's refusals).
    const expected = [
      /^\[staff\] console: Failed to load resource: the server responded with a status of 412/,
      /^\[staff-clash\] console: Failed to load resource: the server responded with a status of 409/,
    ];
    const errors = pages.flatMap((p) => p.errors);
    for (const e of expected) expect(errors.filter((x) => e.test(x))).toHaveLength(1);
    expect(errors.filter((x) => !expected.some((e) => e.test(x)))).toEqual([]);
  });
});
