/**
 * What a search maximises. Accuracy; accuracy traded against latency (optionally with a hard
 * latency limit), the paper's joint objective; or accuracy per dollar.
 */
import { z } from "zod";

export const ObjectiveSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("accuracy") }).strict(),
  z
    .object({
      kind: z.literal("latency"),
      /** Graphs slower than this (mean ms per query) are worse than any graph within it. */
      limitMs: z.number().positive().optional(),
      /** Accuracy given up per second of mean latency (0.01 = one point per second). */
      weightPerSecond: z.number().nonnegative().default(0.01),
    })
    .strict(),
  z.object({ kind: z.literal("cost") }).strict(),
]);
export type Objective = z.infer<typeof ObjectiveSchema>;

export const ACCURACY: Objective = { kind: "accuracy" };

/** The objective from the `--objective` flag's word. */
export function objectiveFromName(name: "accuracy" | "latency" | "cost"): Objective {
  return name === "latency" ? { kind: "latency", weightPerSecond: 0.01 } : { kind: name };
}

/**
 * Utility of an evaluation (higher is better). NaN when accuracy is undefined, or for `cost` when
 * the graph's dollars are unknown.
 */
export function utilityOf(objective: Objective, s: { accuracy: number; meanLatencyMs: number; meanDollars: number | undefined }): number {
  if (!Number.isFinite(s.accuracy)) return NaN;
  switch (objective.kind) {
    case "accuracy":
      return s.accuracy;
    case "latency": {
      const sec = s.meanLatencyMs / 1000;
      const u = s.accuracy - objective.weightPerSecond * sec;
      return objective.limitMs !== undefined && s.meanLatencyMs > objective.limitMs ? u - 1 - (s.meanLatencyMs - objective.limitMs) / objective.limitMs : u;
    }
    case "cost":
      if (s.meanDollars === undefined) return NaN;
      return s.accuracy / Math.max(s.meanDollars, 1e-12);
  }
}

/** One line describing the objective. */
export function describeObjective(o: Objective): string {
  switch (o.kind) {
    case "accuracy":
      return "accuracy";
    case "latency":
      return `accuracy - ${o.weightPerSecond} per second of latency${o.limitMs !== undefined ? `, latency at most ${o.limitMs} ms` : ""}`;
    case "cost":
      return "accuracy per dollar";
  }
}
