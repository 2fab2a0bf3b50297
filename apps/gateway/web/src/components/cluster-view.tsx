/** The coordinator ensemble (leader marked, live zxids) and the registered service instances. */
import type { ClusterSnapshot, InstanceView, Member } from '../lib/types.js';
import type { StreamState } from '../lib/hooks.js';

const MODE_LABEL: Record<Member['mode'], string> = {
  leader: 'Leader',
  follower: 'Follower',
  observer: 'Observer',
  down: 'Down',
};

function MemberCard({ m }: { m: Member }) {
  return (
    <li class={`member mode-${m.mode}`} data-testid="member" data-member-id={m.id} data-mode={m.mode}>
      <div class="member-head">
        <span class="member-name">Member {m.id}</span>
        <span class={`badge badge-${m.mode}`} data-testid="member-mode">
          {m.mode === 'leader' ? '★ ' : ''}
          {MODE_LABEL[m.mode]}
        </span>
      </div>
      <div class="member-address">{m.address}</div>
      {m.mode === 'down' ? (
        <div class="member-error">{m.error ?? 'not answering'}</div>
      ) : (
        <dl class="facts">
          <dt>epoch</dt>
          <dd>{m.epoch ?? '–'}</dd>
          <dt>zxid</dt>
          <dd class="mono" data-testid="member-zxid">
            {m.lastZxid ?? '–'}
          </dd>
          <dt>clients</dt>
          <dd>{m.connections ?? '–'}</dd>
          <dt>latency</dt>
          <dd>{m.latencyMs === null ? '–' : `${m.latencyMs} ms`}</dd>
        </dl>
      )}
    </li>
  );
}

function InstanceRow({ i }: { i: InstanceView }) {
  return (
    <tr data-testid="instance" data-instance-id={i.id} data-healthy={String(i.healthy)}>
      <td class="mono">{i.id}</td>
      <td class="mono">
        {i.address}:{i.port}
      </td>
      <td>
        <span class={i.healthy ? 'dot dot-ok' : 'dot dot-bad'} aria-hidden="true" />
        {i.healthy ? 'healthy' : 'unhealthy'}
      </td>
      <td>{new Date(i.registeredAt).toLocaleTimeString()}</td>
    </tr>
  );
}

export function ClusterView({
  snapshot,
  stream,
}: {
  snapshot: ClusterSnapshot | undefined;
  stream: StreamState;
}) {
  if (snapshot === undefined) {
    return (
      <section class="card" aria-labelledby="cluster-title">
        <h2 id="cluster-title">Coordinator ensemble</h2>
        <p class="muted">
          {stream === 'reconnecting' ? 'The gateway is not answering; retrying…' : 'Loading…'}
        </p>
      </section>
    );
  }
  const leader = snapshot.members.find((m) => m.id === snapshot.leader);
  return (
    <>
      <section class="card" aria-labelledby="cluster-title">
        <div class="card-head">
          <h2 id="cluster-title">Coordinator ensemble</h2>
          <span class={`live live-${stream}`} role="status">
            {stream === 'live' ? 'live' : stream}
          </span>
        </div>
        <p class="summary" data-testid="leader-summary" aria-live="polite">
          {leader ? (
            <>
              Leader: <strong data-testid="leader-id">member {leader.id}</strong> ({leader.address}), epoch{' '}
              {leader.epoch}
            </>
          ) : (
            <strong class="warn">No leader right now (election in progress or no quorum)</strong>
          )}
        </p>
        <ul class="members">
          {snapshot.members.map((m) => (
            <MemberCard key={m.address} m={m} />
          ))}
        </ul>
      </section>
      <section class="card" aria-labelledby="instances-title">
        <h2 id="instances-title">Service instances</h2>
        {Object.entries(snapshot.services).map(([name, instances]) => (
          <div key={name} class="service" data-testid="service" data-service={name}>
            <h3>
              {name} <span class="count">{instances.length}</span>
            </h3>
            {instances.length === 0 ? (
              <p class="warn">No live instance: requests to this service answer 503.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Instance</th>
                    <th scope="col">Address</th>
                    <th scope="col">Health</th>
                    <th scope="col">Registered</th>
                  </tr>
                </thead>
                <tbody>
                  {instances.map((i) => (
                    <InstanceRow key={i.id} i={i} />
                  ))}
                </tbody>
              </table>
            )}
          </div>
        ))}
      </section>
    </>
  );
}
