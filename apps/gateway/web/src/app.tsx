/** The dashboard: the cluster at a glance, courses and exam schedules, and a znode browser. */
import { useEffect, useState } from 'preact/hooks';
import { ClusterView } from './components/cluster-view.js';
import { CoursesView } from './components/courses-view.js';
import { ExamsView } from './components/exams-view.js';
import { LoginForm } from './components/login-form.js';
import { ZnodeBrowser } from './components/znode-browser.js';
import { useEventStream } from './lib/hooks.js';
import { useSession } from './lib/session.js';
import type { ClusterSnapshot } from './lib/types.js';

type Tab = 'overview' | 'znodes';

export function App() {
  const session = useSession();
  const [snapshot, setSnapshot] = useState<ClusterSnapshot | undefined>(undefined);
  const stream = useEventStream<ClusterSnapshot>('/api/cluster/events', 'cluster', setSnapshot);
  const [tab, setTab] = useState<Tab>(location.hash === '#znodes' ? 'znodes' : 'overview');
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    history.replaceState(null, '', tab === 'znodes' ? '#znodes' : location.pathname);
  }, [tab]);

  return (
    <>
      <header class="top">
        <div class="brand">
          <h1>Registrar</h1>
          <span class="muted small">course platform on its own ZooKeeper-compatible coordinator</span>
        </div>
        <LoginForm {...session} />
      </header>
      <nav class="tabs" aria-label="views">
        <div role="tablist" class="tablist">
          <button role="tab" aria-selected={tab === 'overview'} onClick={() => setTab('overview')}>
            Overview
          </button>
          <button role="tab" aria-selected={tab === 'znodes'} onClick={() => setTab('znodes')}>
            Znodes
          </button>
        </div>
        <a href="/docs" class="tab-link">
          API docs
        </a>
      </nav>
      <main>
        {tab === 'overview' ? (
          <div class="grid">
            <div class="column">
              <ClusterView snapshot={snapshot} stream={stream} />
            </div>
            <div class="column">
              <CoursesView user={session.user} now={now} />
              <ExamsView user={session.user} />
            </div>
          </div>
        ) : (
          <ZnodeBrowser initialPath="/registrar" />
        )}
      </main>
    </>
  );
}
