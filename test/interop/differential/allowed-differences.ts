/**
 * THE list of known, accepted differences between Apache ZooKeeper 3.8 and our member on the
 * wire, each with its reason. Nothing else in the differential test tolerates a difference: a
 * normalisation here is applied to both observations of a step before they are compared, and an
 * entry without one documents a difference the canonical tokens already absorb.
 */
import type { Canonical } from './observation.js';
import type { Step } from './scenario.js';
import type { StepObservation } from './target-run.js';

export interface AllowedDifference {
  id: string;
  reason: string;
  /** Rewrites an observation (of either server) so the accepted difference disappears. */
  normalize?: (obs: StepObservation, ctx: { step: Step; ensemble: boolean }) => StepObservation;
}

export const ALLOWED_DIFFERENCES: AllowedDifference[] = [
  {
    id: 'zxid-epochs',
    reason:
      'Each server numbers its own zxids: a standalone Apache counts from epoch 0, our member ' +
      'opens a new epoch at every start (it is a one-member ensemble). Only the order and identity ' +
      'of zxids is the protocol, so they are compared as tokens by first appearance (z1, z2, ...).',
  },
  {
    id: 'session-ids-and-passwords',
    reason:
      'Session ids embed the server id and start time, and passwords are random: both are ' +
      'server choices. Session ids are compared as the session number in the sequence (s0, s1, ...) ' +
      'wherever they appear (ConnectResponse, ephemeralOwner); passwords by length.',
  },
  {
    id: 'wall-clock-times',
    reason:
      'ctime/mtime are the leader clock when a txn was prepared. They are compared as the zxid ' +
      'they belong to (t@z7), after checking that each is plausible and that one zxid always ' +
      'carries one time.',
  },
  {
    id: 'ttl-enabled-by-default',
    reason:
      'TTL nodes need -Dzookeeper.extendedTypesEnabled=true on Apache 3.8 and are on by default in ' +
      'our member. The harness starts Apache with the flag, so on the wire there is no difference.',
  },
  {
    id: 'createttl-negative-ttl',
    reason:
      'A top-level createTTL with non-TTL flags (0-4) and a negative ttl stops Apache 3.8.0 ' +
      '(EphemeralType.TTL.toEphemeralOwner throws in PrepRequestProcessor and the request processor ' +
      'thread dies; nothing answers again). Our member fails the request with BADARGUMENTS instead ' +
      '(libs/coordination/src/server/write-rules.ts). The generator never sends it to Apache; ' +
      'test/interop/special-xids.spec.ts checks our answer. Inside multi the ttl is ignored alike.',
  },
  {
    id: 'top-level-check-in-ensemble',
    reason:
      'A check (opcode 13) outside multi is applied but never answered by a standalone Apache ' +
      '3.8.0, and our member does the same. In a 3.8.0 ensemble it drops the connection and the ' +
      'ensemble stops accepting sessions (observed with --members 3), which we do not copy: our ' +
      'ensemble answers as standalone does. The generator sends no top-level check in ensemble mode.',
  },
  {
    id: 'apache-ensemble-sync-stall',
    reason:
      'Not accepted, only known: in ensemble mode a 3.8.0 follower now and then leaves a sync ' +
      'unanswered for over 30 s (about 1 sequence in 300 on this 2-core machine; the same seed ' +
      'replayed alone passes). Such a run reports a barrier timeout on the reference side. The CI ' +
      'part runs standalone, where this has not been seen.',
  },
  {
    id: 'requests-after-a-closing-reply',
    reason:
      'After UNIMPLEMENTED (unknown opcode) or AUTHFAILED, Apache queues the close behind the reply ' +
      'and may still answer a request that reached it meanwhile (a race); our member answers ' +
      'nothing after such a reply. The harness sends nothing more on that connection and compares ' +
      'the reply and the close.',
  },
  {
    id: 'ensemble-config-node',
    reason:
      "In an ensemble /zookeeper/config holds each ensemble's own membership (its own ports) and " +
      'its mtime is when that member loaded its configuration. Ensemble mode compares its data and ' +
      'mtime as placeholders (version, dataLength, ACL and the rest are compared).',
    normalize: (obs, { step, ensemble }) => (ensemble ? maskConfigNode(obs, step) : obs),
  },
  {
    id: 'children-order',
    reason:
      'Apache lists children in HashSet order (an implementation detail of java.util.HashMap) and ' +
      'documents no order; clients sort. getChildren/getChildren2/multiRead children are compared sorted.',
    normalize: (obs) => mapResponses(obs, sortChildren),
  },
];

function sortChildren(v: Canonical): Canonical {
  if (Array.isArray(v)) return v.map(sortChildren);
  if (v && typeof v === 'object') {
    const out: { [k: string]: Canonical } = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] =
        k === 'children' && Array.isArray(x)
          ? [...x].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0))
          : sortChildren(x);
    }
    return out;
  }
  return v;
}

const CONFIG_NODE = '/zookeeper/config';

function maskConfigNode(obs: StepObservation, step: Step): StepObservation {
  if (step.kind !== 'request') return obs;
  const req = step.request;
  const direct = 'path' in req && req.path === CONFIG_NODE;
  const subs = req.op === 'multiRead' ? req.ops.map((o) => o.path === CONFIG_NODE) : [];
  if (!direct && !subs.includes(true)) return obs;
  const mask = (r: Canonical): Canonical => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) return r;
    const out = { ...r };
    if ('data' in out) out['data'] = '<membership>';
    const stat = out['stat'];
    if (stat && typeof stat === 'object' && !Array.isArray(stat))
      out['stat'] = { ...stat, mtime: '<loaded at>' };
    return out;
  };
  const frames = obs.frames.map((f) => {
    if (!f || typeof f !== 'object' || Array.isArray(f) || !f['response']) return f;
    const res = f['response'];
    if (!res || typeof res !== 'object' || Array.isArray(res)) return f;
    if (direct) return { ...f, response: mask(res) };
    const results = res['results'];
    if (!Array.isArray(results)) return f;
    return { ...f, response: { ...res, results: results.map((x, i) => (subs[i] ? mask(x) : x)) } };
  });
  return { ...obs, frames };
}

function mapResponses(obs: StepObservation, f: (v: Canonical) => Canonical): StepObservation {
  const others: StepObservation['others'] = {};
  for (const [k, frames] of Object.entries(obs.others)) others[k] = frames.map(f);
  return { ...obs, frames: obs.frames.map(f), others };
}

/** Applies every normalisation, in list order. */
export function normalize(obs: StepObservation, ctx: { step: Step; ensemble: boolean }): StepObservation {
  let out = obs;
  for (const d of ALLOWED_DIFFERENCES) if (d.normalize) out = d.normalize(out, ctx);
  return out;
}
