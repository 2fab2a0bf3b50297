import { rmSync } from 'node:fs';
import {
  connectStringOf,
  planMembers,
  type Ensemble,
  type EnsembleMember,
  type StartOptions,
} from './ensemble.js';
import { signal, stopMember, waitUntilServing, type MemberProcess } from './member-process.js';
import { writeZkConfig, type MemberFiles, type MemberSpec } from './zk-config.js';

/** How one kind of member process is prepared and launched. */
export interface MemberLauncher {
  /** Human label for errors, e.g. "Apache ZooKeeper". */
  label: string;
  /** Temp dir prefix. */
  dirPrefix: string;
  /** Writes any extra files (log config) next to zoo.cfg; returns extra log files to show on failure. */
  prepare?(files: MemberFiles): string[];
  /** Spawns the process for one member. `standalone` is true for a one-member ensemble. */
  spawn(spec: MemberSpec, files: MemberFiles, standalone: boolean): MemberProcess;
}

interface Slot {
  spec: MemberSpec;
  member: EnsembleMember;
  proc?: MemberProcess;
  logFiles: string[];
}

const TERMINATING: ReadonlySet<NodeJS.Signals> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT']);

/**
 * Starts `opts.members` (default 1) member processes with their own temp dir, zoo.cfg, myid and ports,
 * and waits until each serves clients (`plannedSpecs`, when given, replaces the planning). Shared by the Apache and Registrar targets so that both are
 * driven identically.
 */
export async function startProcessEnsemble(
  launcher: MemberLauncher,
  opts: StartOptions = {},
  plannedSpecs?: MemberSpec[],
): Promise<Ensemble> {
  // Callers that reroute peer links (the chaos suite's proxies) plan and edit the specs themselves.
  const specs = plannedSpecs ?? (await planMembers(opts));
  const standalone = specs.length === 1;
  const slots: Slot[] = specs.map((spec) => {
    const files = writeZkConfig(spec, launcher.dirPrefix);
    const server = spec.servers?.find((s) => s.id === spec.myid);
    return {
      spec,
      logFiles: launcher.prepare?.(files) ?? [],
      member: {
        id: spec.myid,
        pid: 0,
        clientPort: spec.clientPort,
        quorumPort: server?.quorumPort,
        electionPort: server?.electionPort,
        adminPort: spec.adminPort,
        files,
        running: false,
      },
    };
  });

  const startSlot = (slot: Slot): void => {
    slot.proc = launcher.spawn(slot.spec, slot.member.files, standalone);
    slot.member.pid = slot.proc.pid;
    slot.member.running = true;
  };
  const waitSlot = (slot: Slot) =>
    waitUntilServing(slot.proc!, slot.member.clientPort, {
      label: `${launcher.label} member ${slot.member.id}`,
      logFiles: slot.logFiles,
      timeoutMs: opts.readyTimeoutMs ?? 60_000,
    });
  const stopSlot = async (slot: Slot, sig?: NodeJS.Signals): Promise<void> => {
    const proc = slot.proc;
    if (proc === undefined) return;
    if (sig === undefined) {
      await stopMember(proc);
    } else {
      signal(proc.pid, sig);
      // SIGSTOP/SIGCONT and friends leave the process alive: do not wait for an exit.
      if (TERMINATING.has(sig)) await proc.exited;
    }
    slot.member.running = !proc.hasExited();
  };

  try {
    // Ensemble members only report a mode once a quorum exists, so start all before waiting on any.
    for (const slot of slots) startSlot(slot);
    await Promise.all(slots.map(waitSlot));
  } catch (err) {
    await Promise.all(slots.map((s) => stopSlot(s)));
    throw err;
  }

  const slotAt = (i: number): Slot => {
    const slot = slots[i];
    if (slot === undefined) throw new Error(`no member ${i} (have ${slots.length})`);
    return slot;
  };
  let stopped = false;
  return {
    connectString: connectStringOf(specs),
    members: slots.map((s) => s.member),
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(slots.map((s) => stopSlot(s)));
      // Temp dirs go with a clean stop; set KEEP_TEST_DIRS=1 to keep data and logs for a post-mortem.
      if (process.env['KEEP_TEST_DIRS'] !== '1') {
        for (const s of slots) rmSync(s.member.files.dir, { recursive: true, force: true });
      }
    },
    async kill(i, sig = 'SIGKILL') {
      await stopSlot(slotAt(i), sig);
    },
    async restart(i) {
      const slot = slotAt(i);
      await stopSlot(slot);
      startSlot(slot);
      await waitSlot(slot);
    },
  };
}
