/**
 * Exam schedules, live from /api/exams/schedule/events (each event carries a whole schedule; the
 * newest version per exam wins, so a replay after a reconnect never moves a schedule backwards),
 * staff editing with If-Match, and a student's own registrations and notifications.
 */
import { useCallback, useState } from 'preact/hooks';
import { api, describeError, itemsOf } from '../lib/api.js';
import { useEventStream, usePoll } from '../lib/hooks.js';
import type { User } from '../lib/session.js';
import type { Exam, ExamSession, MyExam, Schedule, ScheduleEvent } from '../lib/types.js';
import { Notifications } from './notifications.js';
import { ScheduleEditor } from './schedule-editor.js';

function when(s: ExamSession): string {
  const start = new Date(s.startsAt);
  const end = new Date(s.endsAt);
  const day = start.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
  const t = (d: Date) => d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return `${day}, ${t(start)}–${t(end)}`;
}

export function ExamsView({ user }: { user: User | null }) {
  const exams = usePoll(
    async (signal) => itemsOf<Exam>((await api('/api/exams?limit=200', { signal })).data),
    10_000,
    [],
  );
  const [schedules, setSchedules] = useState<Record<string, Schedule>>({});
  const [editing, setEditing] = useState<string | null>(null);
  const [flash, setFlash] = useState<Record<string, number>>({});

  const apply = useCallback((s: Schedule) => {
    setSchedules((prev) => {
      const known = prev[s.examId];
      if (known !== undefined && known.version >= s.version) return prev;
      return { ...prev, [s.examId]: s };
    });
  }, []);

  const stream = useEventStream<ScheduleEvent>('/api/exams/schedule/events', 'message', (e) => {
    // Highlight a change, not the first sight of a schedule (the stream starts with a replay).
    const known = schedules[e.examId];
    if (known !== undefined && e.version > known.version) setFlash((f) => ({ ...f, [e.examId]: Date.now() }));
    apply({
      examId: e.examId,
      version: e.version,
      sessions: e.schedule.sessions,
      updatedBy: e.schedule.updatedBy ?? null,
      updatedAt: e.schedule.updatedAt ?? null,
    });
  });

  const list = exams.data ?? [];
  const scheduleOf = (exam: Exam): Schedule | undefined => {
    const live = schedules[exam.id];
    const listed =
      exam.scheduleVersion !== undefined && exam.scheduleVersion !== null
        ? { examId: exam.id, version: exam.scheduleVersion, sessions: exam.sessions ?? [] }
        : undefined;
    if (live && (!listed || live.version >= listed.version)) return live;
    return listed;
  };
  const isStaff = user?.role === 'staff';
  const isStudent = user?.role === 'student';
  const token = user?.token ?? null;

  // A student's own exam sessions (times and rooms from the schedule in force).
  const mine = usePoll(
    async (signal) =>
      isStudent ? itemsOf<MyExam>((await api('/api/students/me/exams', { token, signal })).data) : [],
    5000,
    [token, isStudent],
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const register = async (exam: Exam, session: ExamSession, action: 'register' | 'cancel') => {
    setBusy(`${exam.id}/${session.id}`);
    setMessage(null);
    try {
      if (action === 'register') {
        await api(`/api/exams/${exam.id}/sessions/${session.id}/registrations`, {
          method: 'POST',
          body: {},
          token,
        });
        setMessage({ kind: 'ok', text: `${exam.title}: registered for ${session.id} in ${session.room}.` });
      } else {
        await api(`/api/exams/${exam.id}/registrations/me`, { method: 'DELETE', token });
        setMessage({ kind: 'ok', text: `${exam.title}: registration cancelled.` });
      }
    } catch (err) {
      setMessage({ kind: 'error', text: `${exam.title}: ${describeError(err)}` });
    } finally {
      setBusy(null);
      mine.refresh();
    }
  };

  const sessionAction = (exam: Exam, x: ExamSession) => {
    const held = (mine.data ?? []).find((r) => r.examId === exam.id);
    const key = `${exam.id}/${x.id}`;
    if (held?.sessionId === x.id) {
      return (
        <span class="mine">
          <span data-testid="my-exam-status">registered</span>
          <button class="secondary" disabled={busy === key} onClick={() => register(exam, x, 'cancel')}>
            Cancel
          </button>
        </span>
      );
    }
    if (held !== undefined) return null; // one session per exam
    return (
      <button
        disabled={busy === key}
        onClick={() => register(exam, x, 'register')}
        aria-label={`Register for ${exam.title}, session ${x.id}`}
      >
        Register
      </button>
    );
  };

  return (
    <section class="card wide" aria-labelledby="exams-title">
      <div class="card-head">
        <h2 id="exams-title">Exam schedules</h2>
        <span class={`live live-${stream}`} role="status">
          {stream === 'live' ? 'live' : stream}
        </span>
      </div>
      {isStudent && user ? <Notifications token={user.token} /> : null}
      {message ? (
        <p class={message.kind === 'ok' ? 'notice' : 'error'} role="status" data-testid="exam-message">
          {message.text}
        </p>
      ) : null}
      {exams.error && list.length === 0 ? <p class="error">{exams.error}</p> : null}
      {list.length === 0 && exams.data !== undefined ? <p class="muted">No exams yet.</p> : null}
      <ul class="exams">
        {list.map((exam) => {
          const s = scheduleOf(exam);
          const recent = (flash[exam.id] ?? 0) > Date.now() - 3000;
          return (
            <li
              key={exam.id}
              class={`exam ${recent ? 'flash' : ''}`}
              data-testid="exam"
              data-exam-id={exam.id}
            >
              <div class="exam-head">
                <div>
                  <strong>{exam.title}</strong>
                  {exam.durationMin ? <span class="muted small"> · {exam.durationMin} min</span> : null}
                </div>
                <span class="badge" data-testid="schedule-version">
                  v{s?.version ?? 0}
                </span>
              </div>
              {/* Keyed by version: a new version re-mounts it, replaying the highlight once. */}
              <div key={s?.version ?? 0} class={flash[exam.id] !== undefined ? 'changed' : ''}>
                {s && s.sessions.length > 0 ? (
                  <table class="sessions">
                    <thead>
                      <tr>
                        <th scope="col">Session</th>
                        <th scope="col">When</th>
                        <th scope="col">Room</th>
                        <th scope="col" class="num">
                          Seats
                        </th>
                        {isStudent ? <th scope="col">You</th> : null}
                      </tr>
                    </thead>
                    <tbody>
                      {s.sessions.map((x) => (
                        <tr key={x.id} data-testid="exam-session" data-session-id={x.id}>
                          <td class="mono">{x.id}</td>
                          <td>{when(x)}</td>
                          <td data-testid="session-room">{x.room}</td>
                          <td class="num" data-testid="session-seats">
                            {x.seats}
                          </td>
                          {isStudent ? <td>{sessionAction(exam, x)}</td> : null}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <p class="muted">No sessions scheduled.</p>
                )}
              </div>
              {isStaff && editing !== exam.id ? (
                <button
                  class="secondary"
                  onClick={() => setEditing(exam.id)}
                  aria-label={`Edit schedule of ${exam.title}`}
                >
                  Edit schedule
                </button>
              ) : null}
              {isStaff && editing === exam.id && user ? (
                <ScheduleEditor
                  exam={exam}
                  base={s ?? { examId: exam.id, version: 0, sessions: [] }}
                  latest={s}
                  token={user.token}
                  userId={user.id}
                  onSaved={(saved) => {
                    apply(saved);
                    setEditing(null);
                  }}
                  onNewer={apply}
                  onCancel={() => setEditing(null)}
                />
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
