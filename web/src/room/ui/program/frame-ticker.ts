// A frame clock for pictures drawn into a canvas (the program, a played-in clip) that keeps its
// rate when the host's tab is in the background.
/**
 * Calls `frame` at `fps`, paced from a worker: a page's own timers are throttled to
 * once a second when its tab is in the background, and the host often switches tabs while live.
 * The next tick is asked for only when a frame is done, so a slow machine gets fewer frames, never
 * a queue of them (which would starve the page's own clicks).
 */
export function startTicker(fps: number, frame: () => void): () => void {
  const interval = 1000 / fps;
  let stopped = false;
  let next: (delayMs: number) => void;
  let stopClock: () => void;
  try {
    const url = URL.createObjectURL(new Blob(['onmessage = (e) => setTimeout(() => postMessage(0), e.data);'], { type: 'text/javascript' }));
    const worker = new Worker(url);
    URL.revokeObjectURL(url);
    next = (delayMs) => worker.postMessage(delayMs);
    stopClock = () => worker.terminate();
    worker.onmessage = () => tick();
  } catch {
    let timer: ReturnType<typeof setTimeout> | undefined;
    next = (delayMs) => (timer = setTimeout(tick, delayMs));
    stopClock = () => clearTimeout(timer);
  }
  function tick() {
    if (stopped) return;
    const started = performance.now();
    frame();
    // At least a few ms between frames, so input and the room's frames always get their turn.
    next(Math.max(4, interval - (performance.now() - started)));
  }
  next(0);
  return () => {
    stopped = true;
    stopClock();
  };
}
