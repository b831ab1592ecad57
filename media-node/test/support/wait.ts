// Waiting for conditions, never for fixed times.
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  {
    timeoutMs = 15_000,
    intervalMs = 50,
    diagnose,
  }: { timeoutMs?: number; intervalMs?: number; diagnose?: () => Promise<unknown> } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
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
