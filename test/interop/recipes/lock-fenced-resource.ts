/**
 * A fenced resource for the fault tests: a znode holding {"maxToken", "writer"}. A write carries a
 * fencing token and is accepted only if the token is at least the highest one seen (compare-and-set
 * on the node version), as a storage service guarding itself with lock tokens would do.
 */
import type { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { BadVersionError, NodeExistsError } from '../../../libs/coordination/src/protocol/errors.js';

export async function fencedWrite(
  client: ZooKeeperClient,
  path: string,
  token: number,
  writer: string,
): Promise<boolean> {
  for (;;) {
    let current: { maxToken: number; writer: string } = { maxToken: -1, writer: '' };
    let version = -1;
    try {
      const { data, stat } = await client.getData(path);
      current = JSON.parse(data.toString()) as typeof current;
      version = stat.version;
    } catch (e) {
      if ((e as { code?: number }).code !== -101) throw e;
    }
    if (token < current.maxToken) return false;
    const next = Buffer.from(JSON.stringify({ maxToken: token, writer }));
    try {
      if (version === -1) await client.create(path, next);
      else await client.setData(path, next, version);
      return true;
    } catch (e) {
      if (e instanceof BadVersionError || e instanceof NodeExistsError) continue;
      throw e;
    }
  }
}
