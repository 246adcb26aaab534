/**
 * Where a search run stands, from its folder alone: finished, running (a live process holds the
 * lock) or interrupted, the evaluations its journal holds, and its best graph so far.
 */
import { lockHolder, readRun, type RunRead } from "./dir.js";
import { journalEvaluations } from "./journal.js";

/** Where a search run stands, read from its folder (what `tts-graph status --json` prints, with `resume` added for an interrupted run). */
export interface RunStatus {
  dir: string;
  state: "finished" | "running" | "interrupted";
  task: string;
  pool: string;
  optimizer: string;
  budget: number;
  budgetUnit: string;
  seed: number;
  evals: { done: number; total: number };
  iterations: number;
  /** The run's best graph: the chosen one when finished, else the leader at the last checkpoint. */
  best: { hash: string; accuracy: number | null; items: number; validated: boolean } | null;
  /** pid of the process writing the run, when it is running. */
  pid?: number;
  /** What stopped an interrupted run, when the checkpoint says. */
  stoppedBy?: string;
  /** Bytes of a journal line cut short by a kill; dropped on resume. */
  tornBytes?: number;
  savedAt?: string;
}

/** The status of a run folder already read, given the pid holding its lock (if a live one does). */
export function runStatus(run: RunRead, pid: number | undefined): RunStatus {
  const { config, journal, checkpoint, result } = run;
  const done = journalEvaluations(journal.events);
  const iterations = journal.events.filter((e) => e.type === "iteration.finished").length;
  const state: RunStatus["state"] = result ? "finished" : pid !== undefined ? "running" : "interrupted";
  let best: RunStatus["best"] = null;
  if (result) {
    const v = result.best.validation;
    best = { hash: result.best.hash, accuracy: v ? v.accuracy : null, items: v ? v.items : 0, validated: v !== undefined };
  } else {
    // The journal is the truth; the checkpoint may be one iteration behind it, or missing.
    const last = journal.events.findLast((e) => e.type === "iteration.finished");
    const leader = last?.type === "iteration.finished" ? last.best : undefined;
    if (leader) best = { hash: leader.hash, accuracy: Number.isFinite(leader.accuracy) ? leader.accuracy : null, items: leader.items, validated: false };
  }
  return {
    dir: run.dir,
    state,
    task: config.task,
    pool: config.pool,
    optimizer: config.optimizer,
    budget: config.budget,
    budgetUnit: config.budgetUnit,
    seed: config.seed,
    evals: { done: result ? result.cost.evals.total : done, total: config.evals },
    iterations,
    best,
    ...(state === "running" ? { pid } : {}),
    ...(state === "interrupted" && checkpoint?.stoppedBy !== undefined ? { stoppedBy: checkpoint.stoppedBy } : {}),
    ...(journal.torn ? { tornBytes: journal.torn.bytes } : {}),
    ...(checkpoint ? { savedAt: checkpoint.savedAt } : {}),
  };
}

/** Read a run folder and say where it stands. */
export function readRunStatus(dir: string): RunStatus {
  return runStatus(readRun(dir), lockHolder(dir));
}
