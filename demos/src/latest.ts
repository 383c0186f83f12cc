// Latest-wins scheduling for UI-driven work: at most one run at a time, and while one runs only the newest
// request waits (older ones are dropped), so fast slider or keyboard input never queues stale work.

export function latest<T>(run: (arg: T) => Promise<void>, onError: (e: unknown) => void = (e) => console.error(e)): (arg: T) => void {
  let busy = false;
  let waiting: { arg: T } | null = null;
  const pump = async (): Promise<void> => {
    while (waiting) {
      const { arg } = waiting;
      waiting = null;
      busy = true;
      try {
        await run(arg);
      } catch (e) {
        onError(e);
      } finally {
        busy = false;
      }
    }
  };
  return (arg: T) => {
    waiting = { arg };
    if (!busy) void pump();
  };
}
