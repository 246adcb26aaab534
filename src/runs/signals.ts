/**
 * SIGINT and SIGTERM during a run. The handler runs between two event-loop tasks, and every run
 * write is synchronous, so the write in progress is always finished when it is called. A second
 * signal while the first is handled ends the process at once.
 */

/** Exit codes of a process ended by a signal, as shells report them. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/** Call `onSignal` on the first SIGINT or SIGTERM. Returns a function that removes the handlers. */
export function trapStopSignals(onSignal: (signal: StopSignal, exitCode: number) => void): () => void {
  let handling = false;
  const handlers = new Map<StopSignal, () => void>();
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]) {
    const handler = () => {
      if (handling) process.exit(SIGNAL_EXIT_CODES[signal]);
      handling = true;
      onSignal(signal, SIGNAL_EXIT_CODES[signal]);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
