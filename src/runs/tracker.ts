/**
 * The state of a run as its events tell it: iteration, evaluations spent, graph cost so far and the
 * best graph so far. Checkpoints and the progress line both read it, so neither needs anything from
 * the harness beyond its events.
 */
import type { RecordedEvent } from "../search/events.js";
import { empiricalBayesWithSd, PairedBook } from "../search/score.js";
import type { ItemOutcome, Phase } from "../search/types.js";

export interface BestSoFar {
  hash: string;
  /** Raw accuracy on the search items it was graded on. */
  accuracy: number;
  /** Search items it was graded on. */
  items: number;
}

export interface RunProgress {
  /** Events recorded so far (the next event's seq). */
  events: number;
  /** Iteration in progress (selection rounds continue the count), -1 before the first. */
  iteration: number;
  phase: Phase | "init";
  /** Iterations whose evaluations are all recorded. */
  iterationsDone: number;
  /** Graph-item evaluations recorded (the harness's unit of search cost). */
  evals: number;
  /** Model calls, FLOPs and dollars of those evaluations (dollars undefined when a model has no price). */
  calls: number;
  flops: number;
  dollars: number | undefined;
  erroredItems: number;
  graphs: number;
  agentCalls: number;
  fallbacks: number;
  best: BestSoFar | undefined;
  finished: boolean;
}

/** Whether an event starts a new step: everything before it is a complete iteration. */
export function isBoundary(e: RecordedEvent): boolean {
  return e.type === "iteration.started" || e.type === "selection" || e.type === "run.finished";
}

/** Follows a run's events. */
export class RunTracker {
  private readonly state: RunProgress = {
    events: 0,
    iteration: -1,
    phase: "init",
    iterationsDone: 0,
    evals: 0,
    calls: 0,
    flops: 0,
    dollars: 0,
    erroredItems: 0,
    graphs: 0,
    agentCalls: 0,
    fallbacks: 0,
    best: undefined,
    finished: false,
  };
  private readonly book = new PairedBook();
  private readonly failed = new Set<string>();
  private bestStale = false;

  onEvent(e: RecordedEvent): void {
    const s = this.state;
    s.events = e.seq + 1;
    switch (e.type) {
      case "iteration.started":
        if (s.iteration >= 0) s.iterationsDone = s.iteration + 1;
        s.iteration = e.iteration;
        s.phase = e.phase;
        break;
      case "eval.batch":
        this.addBatch(e.split, e.hash, e.status, e.items);
        break;
      case "agent.call":
        s.agentCalls++;
        break;
      case "agent.fallback":
        s.fallbacks++;
        break;
      case "selection":
      case "run.finished":
        if (s.iteration >= 0) s.iterationsDone = s.iteration + 1;
        if (e.type === "run.finished") s.finished = true;
        break;
    }
  }

  private addBatch(split: string, hash: string, status: string, items: readonly ItemOutcome[]): void {
    const s = this.state;
    s.evals += items.length;
    for (const o of items) {
      s.calls += o.calls;
      if (o.errored) s.erroredItems++;
      else s.flops += o.flops;
      s.dollars = s.dollars === undefined || o.dollars === undefined ? undefined : s.dollars + o.dollars;
    }
    if (split !== "search") return;
    if (this.book.count(hash) === 0 && !this.failed.has(hash)) s.graphs++;
    if (status === "failed") this.failed.add(hash);
    this.book.add(hash, items);
    this.bestStale = true;
  }

  /** A copy of the current state. */
  snapshot(): RunProgress {
    if (this.bestStale) {
      this.state.best = this.leader();
      this.bestStale = false;
    }
    return { ...this.state, best: this.state.best ? { ...this.state.best } : undefined };
  }

  /** The graph the harness would rank first by accuracy: empirical-Bayes estimate, then items, then hash. */
  private leader(): BestSoFar | undefined {
    const est = empiricalBayesWithSd(this.book);
    let best: { hash: string; mean: number; n: number } | undefined;
    for (const [hash, e] of est) {
      if (this.failed.has(hash) || !Number.isFinite(e.mean)) continue;
      const n = this.book.count(hash);
      if (!best || e.mean > best.mean || (e.mean === best.mean && (n > best.n || (n === best.n && hash < best.hash)))) best = { hash, mean: e.mean, n };
    }
    return best ? { hash: best.hash, accuracy: this.book.accuracy(best.hash), items: best.n } : undefined;
  }
}
