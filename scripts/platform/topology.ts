/**
 * The platform's processes and ports, planned from the options of `npm start` (pure: no I/O).
 * Default ports follow DESIGN.md: coordinator member i has client 2180+i, quorum 2880+i, election
 * 3880+i, admin HTTP 8080+i; the gateway 3000; course-enrollment instance k HTTP 3100+k and RPC
 * 4100+k; exam-registration 3200+k / 4200+k. `portOffset` shifts every port by the same amount,
 * so a second platform (or a test) can run beside the first.
 */
export const SERVICES = ['course-enrollment', 'exam-registration'] as const;
export type ServiceKind = (typeof SERVICES)[number];

export interface TopologyOptions {
  /** Coordinator members to start (ignored when `coordinator` names an existing ensemble). */
  members: number;
  /** Instances of each service. */
  instances: number;
  /** An existing ensemble's connect string (ours or Apache ZooKeeper); we then start no members. */
  coordinator?: string;
  portOffset: number;
  /** Absolute data folder. */
  dataDir: string;
}

export interface MemberPlan {
  name: string;
  myid: number;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
  adminPort: number;
  dir: string;
}

export interface InstancePlan {
  name: string;
  service: ServiceKind;
  index: number;
  httpPort: number;
  rpcPort: number;
  /** SQLite file shared by the service's instances. */
  databasePath: string;
}

export interface Topology {
  members: MemberPlan[];
  connectString: string;
  instances: InstancePlan[];
  gateway: { name: 'gateway'; httpPort: number };
  /** Every port we will bind (for the "already in use" check before anything starts). */
  ports: number[];
}

export const BASE_PORTS = {
  memberClient: 2180,
  memberQuorum: 2880,
  memberElection: 3880,
  memberAdmin: 8080,
  gateway: 3000,
  'course-enrollment': { http: 3100, rpc: 4100 },
  'exam-registration': { http: 3200, rpc: 4200 },
} as const;

export class TopologyError extends Error {}

export function planTopology(opts: TopologyOptions): Topology {
  const off = opts.portOffset;
  if (!Number.isInteger(opts.members) || opts.members < 1 || opts.members > 9)
    throw new TopologyError('--members must be 1..9');
  if (!Number.isInteger(opts.instances) || opts.instances < 1 || opts.instances > 9)
    throw new TopologyError('--instances must be 1..9');
  if (!Number.isInteger(off) || off < 0 || off + 8089 > 65535)
    throw new TopologyError('--port-offset out of range');

  const members: MemberPlan[] =
    opts.coordinator !== undefined
      ? []
      : Array.from({ length: opts.members }, (_, k) => {
          const i = k + 1;
          return {
            name: `coordinator-${i}`,
            myid: i,
            clientPort: BASE_PORTS.memberClient + i + off,
            quorumPort: BASE_PORTS.memberQuorum + i + off,
            electionPort: BASE_PORTS.memberElection + i + off,
            adminPort: BASE_PORTS.memberAdmin + i + off,
            dir: `${opts.dataDir}/coordinator-${i}`,
          };
        });
  const connectString = opts.coordinator ?? members.map((m) => `127.0.0.1:${m.clientPort}`).join(',');
  const instances: InstancePlan[] = SERVICES.flatMap((service) =>
    Array.from({ length: opts.instances }, (_, k) => ({
      name: `${service}-${k + 1}`,
      service,
      index: k + 1,
      httpPort: BASE_PORTS[service].http + k + 1 + off,
      rpcPort: BASE_PORTS[service].rpc + k + 1 + off,
      databasePath: `${opts.dataDir}/${service}.sqlite`,
    })),
  );
  const gateway = { name: 'gateway' as const, httpPort: BASE_PORTS.gateway + off };
  const ports = [
    ...members.flatMap((m) => [m.clientPort, m.quorumPort, m.electionPort, m.adminPort]),
    ...instances.flatMap((i) => [i.httpPort, i.rpcPort]),
    gateway.httpPort,
  ];
  return { members, connectString, instances, gateway, ports };
}

/**
 * zoo.cfg of one member: every member lists every member (`server.N=host:quorum:election;client`),
 * a single member runs standalone (no server lines), four-letter words all allowed on loopback.
 */
export function memberConfig(m: MemberPlan, all: MemberPlan[], tickTime: number): string {
  const servers =
    all.length > 1
      ? all.map(
          (o) => `server.${o.myid}=127.0.0.1:${o.quorumPort}:${o.electionPort};127.0.0.1:${o.clientPort}`,
        )
      : [];
  return (
    [
      `tickTime=${tickTime}`,
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${m.dir}`,
      `clientPort=${m.clientPort}`,
      'clientPortAddress=127.0.0.1',
      `admin.serverPort=${m.adminPort}`,
      'admin.serverAddress=127.0.0.1',
      '4lw.commands.whitelist=*',
      'autopurge.snapRetainCount=3',
      'autopurge.purgeInterval=1',
      ...servers,
    ].join('\n') + '\n'
  );
}
