/**
 * Exam schedules, live from /api/exams/schedule/events (each event carries a whole schedule; the
 * newest version per exam wins, so a replay after a reconnect never moves a schedule backwards),
 * and staff editing with If-Match.
 */
import { useCallback, useState } from 'preact/hooks';
import { api, itemsOf } from '../lib/api.js';
import { useEventStream, usePoll } from '../lib/hooks.js';
import type { User } from '../lib/session.js';
import type { Exam, ExamSession, Schedule, ScheduleEvent } from '../lib/types.js';
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

  return (
    <section class="card wide" aria-labelledby="exams-title">
      <div class="card-head">
        <h2 id="exams-title">Exam schedules</h2>
        <span class={`live live-${stream}`} role="status">
          {stream === 'live' ? 'live' : stream}
        </span>
      </div>
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
