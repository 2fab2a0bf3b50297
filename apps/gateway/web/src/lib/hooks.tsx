/** Live data: polling with back-off on failure, and EventSource streams that reconnect by themselves. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';

export interface Polled<T> {
  data: T | undefined;
  error: string | null;
  /** Time of the last successful load. */
  updatedAt: number | null;
  refresh: () => void;
}

/**
 * Calls `load` every `ms` (and on `refresh()`), keeping the last good value when a call fails so
 * the page stays readable while an instance restarts; the error is shown beside it.
 */
export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  ms: number,
  deps: unknown[],
): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ctrl: AbortController | undefined;
    const run = async () => {
      ctrl = new AbortController();
      try {
        const value = await loadRef.current(ctrl.signal);
        if (stopped) return;
        setData(value);
        setError(null);
        setUpdatedAt(Date.now());
      } catch (err) {
        if (stopped || (err as Error).name === 'AbortError') return;
        setError(describeError(err));
      }
      if (!stopped) timer = setTimeout(run, ms);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      ctrl?.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ms, tick, ...deps]);

  return { data, error, updatedAt, refresh: () => setTick((t) => t + 1) };
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/**
 * Subscribes to an SSE stream; `onEvent` gets each parsed event of the given name. EventSource
 * reconnects by itself after a dropped connection (sending Last-Event-ID), but gives up for good on
 * an answer that is not a stream (a 503 while no instance is up): then we open a new one later.
 */
export function useEventStream<T>(url: string, event: string, onEvent: (data: T) => void): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const listener = (e: MessageEvent<string>) => {
      try {
        handler.current(JSON.parse(e.data) as T);
      } catch {
        // an unreadable event is skipped; the next one carries the full state again
      }
    };
    const open = () => {
      source = new EventSource(url);
      source.addEventListener(event, listener as EventListener);
      source.onopen = () => setState('live');
      source.onerror = () => {
        setState('reconnecting');
        if (source?.readyState === EventSource.CLOSED && !stopped) {
          source.close();
          retry = setTimeout(open, 3000);
        }
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [url, event]);
  return state;
}

/** "3 s ago" for a timestamp. */
export function ago(t: number | null, now: number): string {
  if (t === null) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 2 ? 'just now' : `${s} s ago`;
}
