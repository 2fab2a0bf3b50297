import { describe, expect, it } from 'vitest';
import type { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import { ErrorCode } from '../../../libs/coordination/src/protocol/constants.js';
import { NoNodeError } from '../../../libs/coordination/src/protocol/errors.js';
import { HistoryRecorder } from '../history/recorder.js';
import { ChaosClient, FinalReadError } from './chaos-client.js';

/**
 * The recording rules only: the session is a stand-in (the op under test is the `call` each test
 * passes), so no ensemble is needed to see what gets recorded and what throws.
 */
class DetachedClient extends ChaosClient {
  override async session(): Promise<ZooKeeperClient> {
    return { close: async () => undefined } as unknown as ZooKeeperClient;
  }
}

describe('ChaosClient.finalOp', () => {
  it('throws FinalReadError when the final reading gets no answer, and records it unknown', async () => {
    const recorder = new HistoryRecorder();
    const client = new DetachedClient('final', '127.0.0.1:1', recorder, { opTimeoutMs: 20 });
    const never = () => new Promise<never>(() => undefined);
    await expect(client.finalOp('read', '/k', {}, never, () => null)).rejects.toBeInstanceOf(FinalReadError);
    expect(recorder.toJSON().map((o) => o.status)).toEqual(['unknown']);
  });

  it('returns a definite NONODE for the model to judge (recorded fail with its code)', async () => {
    const recorder = new HistoryRecorder();
    const client = new DetachedClient('final', '127.0.0.1:1', recorder);
    const out = await client.finalOp(
      'read',
      '/k',
      {},
      () => Promise.reject(new NoNodeError('/k')),
      () => null,
    );
    expect(out).toEqual({ status: 'fail', code: ErrorCode.NONODE });
    expect(recorder.toJSON()[0]).toMatchObject({ status: 'fail', output: { code: ErrorCode.NONODE } });
  });
});
