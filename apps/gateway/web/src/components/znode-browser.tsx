/** Read-only znode browser: children, data, Stat and ephemeral owner of one znode at a time. */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { usePoll } from '../lib/hooks.js';
import type { ZnodeView } from '../lib/types.js';

function join(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

function crumbs(path: string): { name: string; path: string }[] {
  const out = [{ name: '/', path: '/' }];
  let acc = '';
  for (const seg of path.split('/').filter(Boolean)) {
    acc += `/${seg}`;
    out.push({ name: seg, path: acc });
  }
  return out;
}

function pretty(data: ZnodeView['data']): string {
  if (data.encoding !== 'utf8') return data.value;
  try {
    return JSON.stringify(JSON.parse(data.value), null, 2);
  } catch {
    return data.value;
  }
}

export function ZnodeBrowser({ initialPath }: { initialPath: string }) {
  const [path, setPath] = useState(initialPath);
  const node = usePoll(
    async (signal) => (await api<ZnodeView>(`/api/znodes?path=${encodeURIComponent(path)}`, { signal })).data,
    3000,
    [path],
  );
  const view = node.data?.path === path ? node.data : undefined;
  return (
    <section class="card" aria-labelledby="znodes-title">
      <h2 id="znodes-title">Znode browser</h2>
      <nav aria-label="znode path" class="crumbs">
        {crumbs(path).map((c, k) => (
          <span key={c.path}>
            {k > 1 ? <span class="sep">/</span> : null}
            <button
              class="link"
              onClick={() => setPath(c.path)}
              aria-current={c.path === path ? 'page' : undefined}
            >
              {c.name}
            </button>
          </span>
        ))}
      </nav>
      {node.error ? (
        <p class="error" role="alert">
          {node.error}
          {view ? ' (showing the last answer)' : ''}
        </p>
      ) : null}
      {view ? (
        <div class="znode">
          <div>
            <h3>Children ({view.children.length})</h3>
            {view.children.length === 0 ? (
              <p class="muted">none</p>
            ) : (
              <ul class="children" data-testid="znode-children">
                {view.children.map((c) => (
                  <li key={c}>
                    <button class="link mono" onClick={() => setPath(join(path, c))}>
                      {c}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div>
            <h3>
              Data{' '}
              <span class="muted">
                ({view.data.length} bytes, {view.data.encoding})
              </span>
            </h3>
            {view.data.length === 0 ? (
              <p class="muted">empty</p>
            ) : (
              <pre class="data">{pretty(view.data)}</pre>
            )}
            <h3>Stat</h3>
            <dl class="facts stat">
              {Object.entries(view.stat).map(([k, v]) => (
                <Fragment key={k}>
                  <dt>{k}</dt>
                  <dd class="mono">{String(v)}</dd>
                </Fragment>
              ))}
            </dl>
            <p>
              {view.ephemeralOwner ? (
                <>
                  Ephemeral, owned by session <span class="mono">{view.ephemeralOwner}</span>
                </>
              ) : (
                'Persistent'
              )}
            </p>
          </div>
        </div>
      ) : null}
    </section>
  );
}
