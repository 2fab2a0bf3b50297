/**
 * A student's notifications (an exam session moved, ...), live from their own event stream. The
 * stream needs the token, and EventSource cannot send headers, so it goes as `?access_token=`.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, itemsOf } from '../lib/api.js';
import { useEventStream } from '../lib/hooks.js';
import type { StudentNotification } from '../lib/types.js';

export function Notifications({ token }: { token: string }) {
  const [items, setItems] = useState<StudentNotification[]>([]);
  const add = (n: StudentNotification) =>
    setItems((prev) => (prev.some((p) => p.id === n.id) ? prev : [n, ...prev].slice(0, 20)));

  useEffect(() => {
    const ctrl = new AbortController();
    api('/api/students/me/notifications', { token, signal: ctrl.signal })
      .then((r) => itemsOf<StudentNotification>(r.data).forEach(add))
      .catch(() => {
        // the live stream below still delivers new ones
      });
    return () => ctrl.abort();
  }, [token]);

  useEventStream<StudentNotification>(
    `/api/students/me/events?access_token=${encodeURIComponent(token)}`,
    'notification',
    add,
  );

  if (items.length === 0) return null;
  const newest = [...items].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 5);
  return (
    <div class="notifications" aria-live="polite" data-testid="notifications">
      <h3>Your notifications</h3>
      <ul>
        {newest.map((n) => (
          <li key={n.id}>
            <span class="muted small">{new Date(n.createdAt).toLocaleString()}</span> {n.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
