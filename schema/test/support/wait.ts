// Waiting for conditions, never for fixed times: the one wait helper of every test project
// (Worker tests inside workerd, Node tests, the media suite, the fleet and browser end-to-end runs).

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** State to print when the wait times out. */
  diagnose?: () => Promise<unknown>;
  /** A reason to give up at once (a process that exited), checked before each try. */
  abortIf?: () => string | undefined;
}

/** Resolves with the first value of `check` that is not undefined or false; errors count as "not yet". */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 15_000, intervalMs = 50, diagnose, abortIf }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const aborted = abortIf?.();
    if (aborted) throw new Error(`gave up waiting for ${what}: ${aborted}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const state = diagnose ? `; state: ${JSON.stringify(await diagnose().catch(String))}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}${state}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function waitForEvent<T extends unknown[]>(
  target: { once(event: string, listener: (...args: T) => void): unknown },
  event: string,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), timeoutMs);
    target.once(event, (...args: T) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/**
 * Lets time pass, for the few checks that are about time itself (a rate window in libwebrtc, "no
 * packet for this long") and have no condition to wait on. Every caller says why.
 */
export function letTimePass(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
