/** Aggregating per-item outcomes into scores. (Estimates across graphs are in ./statistics.ts.) */
import { utilityOf, type Objective } from "./objective.js";
import type { ItemOutcome, Score } from "./types.js";

/** Aggregate outcomes; `utility` follows the objective. */
export function scoreOf(outcomes: readonly ItemOutcome[], objective: Objective): Score {
  let correct = 0;
  let errored = 0;
  let flops = 0;
  let latency = 0;
  let dollars: number | undefined = 0;
  let ran = 0;
  for (const o of outcomes) {
    if (o.errored) {
      errored++;
      continue;
    }
    ran++;
    if (o.correct) correct++;
    flops += o.flops;
    latency += o.latencyMs;
    dollars = dollars === undefined || o.dollars === undefined ? undefined : dollars + o.dollars;
  }
  const graded = outcomes.length - errored;
  const s: Score = {
    items: outcomes.length,
    correct,
    errored,
    accuracy: graded > 0 ? correct / graded : NaN,
    meanFlops: ran > 0 ? flops / ran : 0,
    meanLatencyMs: ran > 0 ? latency / ran : 0,
    meanDollars: ran > 0 && dollars !== undefined ? dollars / ran : undefined,
    utility: NaN,
  };
  s.utility = utilityOf(objective, s);
  return s;
}
