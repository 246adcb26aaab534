/**
 * `checkpoint.json`: where a run stood at its last iteration boundary (or when it was stopped).
 * Written atomically after the journal is synced, so it never claims more than the journal holds.
 * Resuming does not need it (the journal is the truth); `status` views and progress read it.
 */
import { z } from "zod";
import { parseWith, readStructured, writeJsonAtomic } from "../util/files.js";
import type { RunProgress } from "./tracker.js";

export const CheckpointSchema = z.object({
  version: z.literal(1),
  /** Events in the journal when the checkpoint was written. */
  events: z.number().int().min(0),
  iteration: z.number().int(),
  iterationsDone: z.number().int().min(0),
  phase: z.string(),
  evals: z.number().int().min(0),
  evalsTotal: z.number().int().min(0),
  calls: z.number().min(0),
  flops: z.number().min(0),
  dollars: z.number().nullable(),
  erroredItems: z.number().int().min(0),
  graphs: z.number().int().min(0),
  best: z.object({ hash: z.string(), accuracy: z.number().nullable(), items: z.number().int() }).nullable(),
  /** running: written at a boundary; finished: result.json is complete; stopped: a signal or an error ended the process. */
  state: z.enum(["running", "finished", "stopped"]),
  /** What stopped the run (a signal name or an error message). */
  stoppedBy: z.string().optional(),
  savedAt: z.string(),
});

export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** The checkpoint of a progress state. */
export function checkpointOf(p: RunProgress, evalsTotal: number, state: Checkpoint["state"], stoppedBy?: string): Checkpoint {
  return {
    version: 1,
    events: p.events,
    iteration: p.iteration,
    iterationsDone: p.iterationsDone,
    phase: p.phase,
    evals: p.evals,
    evalsTotal,
    calls: p.calls,
    flops: p.flops,
    dollars: p.dollars ?? null,
    erroredItems: p.erroredItems,
    graphs: p.graphs,
    best: p.best ? { hash: p.best.hash, accuracy: Number.isFinite(p.best.accuracy) ? p.best.accuracy : null, items: p.best.items } : null,
    state,
    ...(stoppedBy !== undefined ? { stoppedBy } : {}),
    savedAt: new Date().toISOString(),
  };
}

export function writeCheckpoint(path: string, c: Checkpoint): void {
  writeJsonAtomic(path, c);
}

export function readCheckpoint(path: string): Checkpoint {
  return parseWith(CheckpointSchema, readStructured(path, "checkpoint"), path, "checkpoint");
}
