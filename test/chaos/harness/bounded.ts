/**
 * Time bounds for awaiting a member that may be paused, partitioned or gone: nothing in a chaos run
 * may wait forever on one.
 */

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** `promise`, or WaitTimeoutError after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WaitTimeoutError(`${what}: no result in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `promise` settles or `ms` pass, whichever is first; its outcome is ignored. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  await within(promise, ms).catch(() => undefined);
}
