/**
 * The state of a run as its events tell it: iteration, evaluations spent, graph cost so far and the
 * best graph so far (as the harness ranked it at the last finished iteration). Checkpoints and the
 * progress line both read it, so neither needs anything from the harness beyond its events.
 */
import type { IterationLeader, RecordedEvent } from "../search/events.js";
import type { ItemOutcome, Phase } from "../search/types.js";

/** The harness's leader after the last finished search iteration. */
export type BestSoFar = IterationLeader;

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
  private readonly searched = new Set<string>();

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
        this.addBatch(e.split, e.hash, e.items);
        break;
      case "iteration.finished":
        s.best = e.best;
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

  private addBatch(split: string, hash: string, items: readonly ItemOutcome[]): void {
    const s = this.state;
    s.evals += items.length;
    for (const o of items) {
      s.calls += o.calls;
      if (o.errored) s.erroredItems++;
      // An errored item's calls ran before it failed: their FLOPs count, as in the result's cost.
      s.flops += o.flops;
      s.dollars = s.dollars === undefined || o.dollars === undefined ? undefined : s.dollars + o.dollars;
    }
    if (split === "search") {
      this.searched.add(hash);
      s.graphs = this.searched.size;
    }
  }

  /** A copy of the current state. */
  snapshot(): RunProgress {
    return { ...this.state, best: this.state.best ? { ...this.state.best } : undefined };
  }
}
