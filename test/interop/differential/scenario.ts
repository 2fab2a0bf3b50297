/**
 * The vocabulary of a differential run: what a generated step asks a server to do. A step is the
 * same for both servers; only the values a server chose itself (session ids and passwords for a
 * reconnect, the last zxid for setWatches) are filled in per server when the step is sent.
 */
import type { Request } from '../../../libs/coordination/src/protocol/records.js';

/** How setWatches picks its relativeZxid: 0, the last zxid this server sent us, or far ahead. */
export type RelativeZxid = 'zero' | 'last' | 'ahead';

/** A request whose frame is built by our codec (xid chosen by the generator). */
export interface RequestStep {
  kind: 'request';
  session: number;
  xid: number;
  request: Request;
  /** setWatches/setWatches2 only: resolved per server at send time. */
  relativeZxid?: RelativeZxid;
  /** the server may drop the connection over it: wait for its reply before the barrier. */
  mayClose: boolean;
}

/** Bytes no client library would send: unknown opcodes, truncated bodies, bad lengths. */
export interface RawStep {
  kind: 'raw';
  session: number;
  label: string;
  /** xid in the header, when the bytes have one (for decoding the reply). */
  xid?: number;
  bytes: Buffer;
  /** the frame is incomplete on purpose: nothing can answer it, the client gives up after a while. */
  incomplete?: boolean;
}

export type Step =
  /** open a connection and create a new session, numbered `session` (0, 1, 2 ...) */
  | { kind: 'connect'; session: number; member: number }
  /** open a new connection to a session whose connection was lost, with its id and password */
  | { kind: 'reconnect'; session: number; member: number }
  /** the client drops the socket; the session lives on */
  | { kind: 'disconnect'; session: number }
  | RequestStep
  | RawStep;

/** What the generator knows about a session (the reference server's view after each step). */
export type SessionStatus = 'open' | 'dropped' | 'closed';

/** The model the generator steers by, kept by the driver from the reference server's answers. */
export interface ModelState {
  sessions: SessionStatus[];
  /** paths a create answered with (sequential names included), for later steps to aim at. */
  created: string[];
}

/** One-line description of a step for failure reports. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'connect':
    case 'reconnect':
      return `${step.kind} session ${step.session} (member ${step.member})`;
    case 'disconnect':
      return `disconnect session ${step.session}`;
    case 'raw':
      return `session ${step.session} raw ${step.label}: ${step.bytes.subarray(0, 64).toString('hex')}${step.bytes.length > 64 ? `... (${step.bytes.length} bytes)` : ''}`;
    case 'request':
      return `session ${step.session} xid ${step.xid} ${JSON.stringify(step.request, jsonReplacer)}${step.relativeZxid ? ` relativeZxid=${step.relativeZxid}` : ''}`;
  }
}

/** JSON.stringify replacer for buffers and bigints. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    const data = (value as { data: number[] }).data;
    return data.length > 48 ? `<${data.length} bytes>` : `0x${Buffer.from(data).toString('hex')}`;
  }
  return value;
}
