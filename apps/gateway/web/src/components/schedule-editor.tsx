/**
 * Staff edit one exam's schedule. The write names the version it was based on (If-Match); when
 * someone saved in between, the service answers 412 with the newer schedule, which is shown here
 * instead of being overwritten, and the editor can start again from it. A change that would give
 * students overlapping exams answers 409 with the clashing students: they are listed, and
 * "Save anyway" sends the same change with `force: true`.
 */
import { useState } from 'preact/hooks';
import { api, ApiError, describeError } from '../lib/api.js';
import type { Exam, ExamSession, Schedule } from '../lib/types.js';

/** A student whose new time would overlap an exam session they hold elsewhere (409 `clashes`). */
interface Clash {
  studentId: string;
  sessionId: string;
  otherExamId: string;
  otherSessionId: string;
}

interface Row {
  id: string;
  room: string;
  startsAt: string; // datetime-local value
  endsAt: string;
  seats: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function rowsOf(sessions: ExamSession[]): Row[] {
  return sessions.map((s) => ({
    id: s.id,
    room: s.room,
    startsAt: toLocalInput(s.startsAt),
    endsAt: toLocalInput(s.endsAt),
    seats: String(s.seats),
  }));
}
function sessionsOf(rows: Row[]): ExamSession[] {
  return rows.map((r) => ({
    id: r.id.trim(),
    room: r.room.trim(),
    startsAt: new Date(r.startsAt).toISOString(),
    endsAt: new Date(r.endsAt).toISOString(),
    seats: Number(r.seats),
  }));
}

export interface ScheduleEditorProps {
  exam: Exam;
  base: Schedule;
  /** The newest version seen live (to warn before a save that will be refused). */
  latest: Schedule | undefined;
  token: string;
  /** The signed-in account (to tell "you, elsewhere" from someone else in a conflict). */
  userId: string;
  onSaved: (s: Schedule) => void;
  onNewer: (s: Schedule) => void;
  onCancel: () => void;
}

export function ScheduleEditor(props: ScheduleEditorProps) {
  const [baseVersion, setBaseVersion] = useState(props.base.version);
  const [rows, setRows] = useState<Row[]>(() => rowsOf(props.base.sessions));
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Schedule | null>(null);
  const [clashes, setClashes] = useState<Clash[] | null>(null);
  const [saving, setSaving] = useState(false);

  const set = (k: number, field: keyof Row, value: string) =>
    setRows((rs) => rs.map((r, i) => (i === k ? { ...r, [field]: value } : r)));

  const addRow = () => {
    const start = new Date(Date.now() + 7 * 86400_000);
    start.setMinutes(0, 0, 0);
    const end = new Date(start.getTime() + 2 * 3600_000);
    setRows((rs) => [
      ...rs,
      {
        id: `session-${rs.length + 1}`,
        room: '',
        startsAt: toLocalInput(start.toISOString()),
        endsAt: toLocalInput(end.toISOString()),
        seats: '30',
      },
    ]);
  };

  const submit = async (force: boolean) => {
    setSaving(true);
    setError(null);
    setClashes(null);
    try {
      const r = await api<Schedule>(`/api/exams/${props.exam.id}/schedule`, {
        method: 'PUT',
        token: props.token,
        headers: { 'if-match': `"${baseVersion}"` },
        body: force ? { sessions: sessionsOf(rows), force: true } : { sessions: sessionsOf(rows) },
      });
      props.onSaved(r.data);
    } catch (err) {
      if (err instanceof ApiError && err.status === 412 && typeof err.body['current'] === 'object') {
        const current = err.body['current'] as Schedule;
        setConflict(current);
        props.onNewer(current);
      } else if (err instanceof ApiError && err.status === 409 && Array.isArray(err.body['clashes'])) {
        setClashes(err.body['clashes'] as Clash[]);
      } else {
        setError(describeError(err));
      }
    } finally {
      setSaving(false);
    }
  };

  const save = (e: Event) => {
    e.preventDefault();
    void submit(false);
  };

  const startFrom = (s: Schedule) => {
    setBaseVersion(s.version);
    setRows(rowsOf(s.sessions));
    setConflict(null);
    setClashes(null);
    setError(null);
  };

  const stale = props.latest !== undefined && props.latest.version > baseVersion && conflict === null;
  const label = (k: number, what: string) => `Session ${k + 1} ${what}`;
  return (
    <form class="editor" onSubmit={save} aria-label={`Edit schedule of ${props.exam.title}`}>
      <p class="muted small">
        Editing from version {baseVersion}. Saving sends <span class="mono">If-Match: "{baseVersion}"</span>.
      </p>
      {stale ? (
        <p class="warn" role="status">
          Version {props.latest!.version} was published while you were editing; saving will be refused.
        </p>
      ) : null}
      {conflict ? (
        <div class="conflict" role="alert" data-testid="schedule-conflict">
          <p>
            <strong>Not saved:</strong> version {conflict.version} was saved
            {conflict.updatedBy ? ` by ${conflict.updatedBy}` : ''} while you were editing. This is the
            schedule now in force:
          </p>
          <ul>
            {conflict.sessions.map((s) => (
              <li key={s.id}>
                <span class="mono">{s.id}</span>: {s.room}, {new Date(s.startsAt).toLocaleString()} ({s.seats}{' '}
                seats)
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => startFrom(conflict)}>
            Edit version {conflict.version}
          </button>
        </div>
      ) : null}
      {clashes ? (
        <div class="conflict" role="alert" data-testid="schedule-clashes">
          <p>
            <strong>Not saved:</strong> {clashes.length} student{clashes.length === 1 ? '' : 's'} would have
            overlapping exams:
          </p>
          <ul>
            {clashes.map((c) => (
              <li key={`${c.studentId}:${c.otherExamId}`}>
                <span class="mono">{c.studentId}</span>: session <span class="mono">{c.sessionId}</span>{' '}
                overlaps exam <span class="mono">{c.otherExamId}</span> session{' '}
                <span class="mono">{c.otherSessionId}</span>
              </li>
            ))}
          </ul>
          <button type="button" disabled={saving} onClick={() => void submit(true)}>
            Save anyway
          </button>
        </div>
      ) : null}
      <div class="edit-scroll">
        <table class="edit-rows">
          <thead>
            <tr>
              <th scope="col">Session id</th>
              <th scope="col">Room</th>
              <th scope="col">Starts</th>
              <th scope="col">Ends</th>
              <th scope="col">Seats</th>
              <th scope="col">
                <span class="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, k) => (
              <tr key={k}>
                <td>
                  <input
                    data-field="id"
                    aria-label={label(k, 'id')}
                    value={r.id}
                    required
                    onInput={(e) => set(k, 'id', e.currentTarget.value)}
                  />
                </td>
                <td>
                  <input
                    data-field="room"
                    aria-label={label(k, 'room')}
                    value={r.room}
                    required
                    onInput={(e) => set(k, 'room', e.currentTarget.value)}
                  />
                </td>
                <td>
                  <input
                    type="datetime-local"
                    aria-label={label(k, 'start')}
                    value={r.startsAt}
                    required
                    onInput={(e) => set(k, 'startsAt', e.currentTarget.value)}
                  />
                </td>
                <td>
                  <input
                    type="datetime-local"
                    aria-label={label(k, 'end')}
                    value={r.endsAt}
                    required
                    onInput={(e) => set(k, 'endsAt', e.currentTarget.value)}
                  />
                </td>
                <td>
                  <input
                    type="number"
                    min="0"
                    aria-label={label(k, 'seats')}
                    value={r.seats}
                    required
                    onInput={(e) => set(k, 'seats', e.currentTarget.value)}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    class="link"
                    onClick={() => setRows((rs) => rs.filter((_, i) => i !== k))}
                    aria-label={`Remove session ${k + 1}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="button" class="secondary" onClick={addRow}>
          Add session
        </button>
        <span class="spacer" />
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={saving}>
          {saving ? 'Saving…' : 'Save schedule'}
        </button>
      </div>
    </form>
  );
}
