/** Courses with seats taken and waitlisted (refreshed every 2 s), and a student's enroll/drop buttons. */
import { useState } from 'preact/hooks';
import { api, describeError, itemsOf } from '../lib/api.js';
import { ago, usePoll } from '../lib/hooks.js';
import type { User } from '../lib/session.js';
import type { Course, Enrollment } from '../lib/types.js';

const POLL_MS = 2000;

function SeatBar({ c }: { c: Course }) {
  const pct = c.capacity > 0 ? Math.min(100, Math.round((c.enrolled / c.capacity) * 100)) : 100;
  return (
    <div class="seatbar" role="img" aria-label={`${c.enrolled} of ${c.capacity} seats taken`}>
      <div class={`seatbar-fill ${pct >= 100 ? 'full' : ''}`} style={{ width: `${pct}%` }} />
    </div>
  );
}

/** What pressing the button will do, as far as the last poll knows (the service decides). */
function enrollLabel(c: Course): string {
  if (c.enrolled < c.capacity) return 'Enroll';
  if (c.waitlistCapacity === undefined || c.waitlisted < c.waitlistCapacity) return 'Join waitlist';
  return 'Full';
}

export function CoursesView({ user, now }: { user: User | null; now: number }) {
  const token = user?.token ?? null;
  // The catalogue is public: visitors see seats filling too; enrolling needs a login.
  const courses = usePoll(
    async (signal) => itemsOf<Course>((await api('/api/courses?pageSize=100', { token, signal })).data),
    POLL_MS,
    [token],
  );
  const isStudent = user?.role === 'student';
  const mine = usePoll(
    async (signal) =>
      isStudent
        ? itemsOf<Enrollment>((await api('/api/students/me/enrollments', { token, signal })).data)
        : [],
    POLL_MS,
    [token, isStudent],
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const statusOf = (courseId: string) =>
    (mine.data ?? []).find(
      (e) => e.courseId === courseId && (e.status === 'enrolled' || e.status === 'waitlisted'),
    );

  const act = async (c: Course, action: 'enroll' | 'drop') => {
    if (user === null) return;
    setBusy(c.id);
    setMessage(null);
    try {
      if (action === 'enroll') {
        const r = await api<{ status: string; position?: number }>(`/api/courses/${c.id}/enrollments`, {
          method: 'POST',
          body: {},
          token,
        });
        setMessage({
          kind: 'ok',
          text:
            r.data.status === 'waitlisted'
              ? `${c.code}: the course is full; you are number ${r.data.position} on the waitlist.`
              : `${c.code}: you are enrolled.`,
        });
      } else {
        await api(`/api/courses/${c.id}/enrollments/${user.id}`, { method: 'DELETE', token });
        setMessage({ kind: 'ok', text: `${c.code}: dropped.` });
      }
    } catch (err) {
      setMessage({ kind: 'error', text: `${c.code}: ${describeError(err)}` });
    } finally {
      setBusy(null);
      courses.refresh();
      mine.refresh();
    }
  };

  const list = courses.data ?? [];
  return (
    <section class="card wide" aria-labelledby="courses-title">
      <div class="card-head">
        <h2 id="courses-title">Courses</h2>
        <span class="muted small">
          {courses.error ? <span class="warn">{courses.error} · showing data from </span> : 'updated '}
          {ago(courses.updatedAt, now)}
        </span>
      </div>
      {!user ? <p class="muted">Log in to enroll.</p> : null}
      {message ? (
        <p class={message.kind === 'ok' ? 'notice' : 'error'} role="status" data-testid="course-message">
          {message.text}
        </p>
      ) : null}
      {list.length === 0 && courses.data !== undefined ? <p class="muted">No courses yet.</p> : null}
      {list.length > 0 ? (
        <table class="courses">
          <thead>
            <tr>
              <th scope="col">Course</th>
              <th scope="col">Seats</th>
              <th scope="col" class="num">
                Enrolled
              </th>
              <th scope="col" class="num">
                Waitlisted
              </th>
              {isStudent ? <th scope="col">You</th> : null}
            </tr>
          </thead>
          <tbody>
            {list.map((c) => {
              const my = isStudent ? statusOf(c.id) : undefined;
              return (
                <tr key={c.id} data-testid="course" data-course-id={c.id} data-course-code={c.code}>
                  <td>
                    <div class="course-code">{c.code}</div>
                    <div class="muted small">{c.title}</div>
                  </td>
                  <td>
                    <SeatBar c={c} />
                  </td>
                  <td class="num" data-testid="enrolled">
                    {c.enrolled}/{c.capacity}
                  </td>
                  <td class="num" data-testid="waitlisted">
                    {c.waitlisted}
                    {c.waitlistCapacity !== undefined ? `/${c.waitlistCapacity}` : ''}
                  </td>
                  {isStudent ? (
                    <td>
                      {my ? (
                        <span class="mine">
                          <span data-testid="my-status">
                            {my.status === 'waitlisted' ? `waitlist #${my.position ?? '?'}` : 'enrolled'}
                          </span>
                          <button
                            class="secondary"
                            disabled={busy === c.id}
                            onClick={() => act(c, 'drop')}
                            aria-label={`Drop ${c.code}`}
                          >
                            Drop
                          </button>
                        </span>
                      ) : (
                        <button
                          // Full as of the last poll (2 s); the next poll re-enables it if a seat frees up.
                          disabled={busy === c.id || enrollLabel(c) === 'Full'}
                          title={enrollLabel(c) === 'Full' ? 'course and waitlist are full' : undefined}
                          onClick={() => act(c, 'enroll')}
                          aria-label={`Enroll in ${c.code}`}
                        >
                          {busy === c.id ? 'Enrolling…' : enrollLabel(c)}
                        </button>
                      )}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
