/**
 * Search progress on stderr. On a terminal, a live line redrawn as evaluations arrive and kept once
 * its iteration is complete; otherwise one plain line per iteration. Each line: best graph so far,
 * evaluations done of the total, FLOPs and dollars spent by the evaluated graphs, the cache hit rate
 * when a response cache is in use, and an estimate of the time left. Never writes to stdout.
 */
import type { ResponseCache } from "../exec/cache.js";
import type { RunProgress } from "../runs/tracker.js";
import type { RecordedEvent } from "../search/events.js";
import type { RunStats } from "../search/harness.js";
import type { Io } from "./output.js";

export interface ProgressOptions {
  /** Total evaluations of the run. */
  total: number;
  /** Counts of what a resumed run served from its log (replayed evaluations do not inform the ETA). */
  stats?: RunStats | undefined;
  /** Lookups of the response cache in use (its `lookups`). */
  cache?: ResponseCache["lookups"] | undefined;
  label?: string | undefined;
  /** Milliseconds clock (injectable for tests). */
  now?: (() => number) | undefined;
  /** Least time between two redraws of the live line. */
  redrawMs?: number | undefined;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** Renders progress lines from recorded events and the progress they lead to. */
export class ProgressLine {
  private readonly now: () => number;
  private clockStart: number;
  private replayedAtStart = 0;
  private live = false;
  /** Label of the iteration in progress. */
  private current: string | undefined;
  private lastDraw = -Infinity;
  /** The highest leader accuracy seen: what the line calls best, so it never falls. */
  private top: { accuracy: number; hash: string } | undefined;

  constructor(
    private readonly io: Io,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.clockStart = this.now();
  }

  /** Seconds left at the rate of the evaluations actually run (not replayed) so far. */
  eta(p: RunProgress): number | undefined {
    const replayed = this.options.stats?.replayedItems ?? 0;
    const fresh = p.evals - replayed;
    if (fresh <= 0) {
      // Everything so far came from the log: the clock starts when real work does.
      this.clockStart = this.now();
      this.replayedAtStart = replayed;
      return undefined;
    }
    const elapsed = this.now() - this.clockStart;
    const ran = p.evals - this.replayedAtStart;
    if (ran <= 0 || elapsed <= 0) return undefined;
    return (elapsed / ran) * Math.max(0, this.options.total - p.evals);
  }

  /** The text of the line for a progress state. */
  line(p: RunProgress, what: string): string {
    const parts = [`${this.options.label ?? ""}${what}: ${p.evals}/${this.options.total} evaluations`];
    if (p.best) parts.push(this.bestText(p.best));
    parts.push(`${p.flops.toExponential(2)} FLOPs`);
    if (p.dollars !== undefined && p.dollars > 0) parts.push(`$${p.dollars.toFixed(p.dollars < 1 ? 4 : 2)}`);
    const c = this.options.cache;
    if (c && c.hits + c.misses > 0) parts.push(`cache ${pct(c.hits / (c.hits + c.misses))} hits`);
    const replayed = this.options.stats?.replayedItems ?? 0;
    if (replayed > 0) parts.push(`${replayed} replayed`);
    const eta = this.eta(p);
    if (eta !== undefined && !p.finished) parts.push(`ETA ${formatDuration(eta)}`);
    return parts.join(", ");
  }

  /**
   * The best so far is monotone (the highest leader accuracy seen), with the leader's current
   * estimate beside it when it has fallen as the leader was graded on more items.
   */
  private bestText(leader: NonNullable<RunProgress["best"]>): string {
    const acc = leader.accuracy;
    if (Number.isFinite(acc) && (!this.top || acc > this.top.accuracy)) this.top = { accuracy: acc, hash: leader.hash };
    const now = `${Number.isFinite(acc) ? pct(acc) : "n/a"} on ${leader.items} items (${leader.hash.slice(0, 8)})`;
    if (!this.top) return `leader ${now}`;
    if (this.top.accuracy === acc && this.top.hash === leader.hash) return `best so far ${pct(acc)} on ${leader.items} items (${leader.hash.slice(0, 8)})`;
    return `best so far ${pct(this.top.accuracy)} (${this.top.hash.slice(0, 8)}), leader now ${now}`;
  }

  /** Feed one recorded event. */
  update(e: RecordedEvent, p: RunProgress): void {
    if (e.type === "agent.fallback") {
      this.clearLive();
      this.io.stderr(`${this.options.label ?? ""}agent fallback (iteration ${e.iteration}): ${e.reason}\n`);
      return;
    }
    // An iteration is complete when the next one starts, or the run ends: its line is kept.
    if (e.type === "iteration.started" || e.type === "run.finished") {
      if (this.current !== undefined) this.commit(this.line(p, this.current));
      this.current = e.type === "run.finished" ? undefined : e.split === "validation" ? "selection on validation items" : `iteration ${e.iteration}`;
      return;
    }
    if (this.io.isTTY && this.current !== undefined && e.type === "eval.batch") {
      const t = this.now();
      if (t - this.lastDraw < (this.options.redrawMs ?? 100)) return;
      this.lastDraw = t;
      this.io.stderr(`\r\x1b[2K${this.line(p, this.current)}`);
      this.live = true;
    }
  }

  private commit(text: string): void {
    if (this.io.isTTY) this.io.stderr(`\r\x1b[2K${text}\n`);
    else this.io.stderr(`${text}\n`);
    this.live = false;
    this.lastDraw = -Infinity;
  }

  /** Erase the live line (before other output, or when stopping). */
  clearLive(): void {
    if (this.live && this.io.isTTY) this.io.stderr("\r\x1b[2K");
    this.live = false;
  }
}
