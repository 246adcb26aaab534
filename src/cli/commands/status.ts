/**
 * `tts-graph status RUN_DIR`: where a search run stands, read from its folder without running
 * anything: finished, running (another process holds the folder's lock) or interrupted, how many of
 * its evaluations are done, the best graph so far, and for an interrupted run the command that
 * continues it.
 */
import { checkReachable, queueStatus, redisUrl, type QueueStatus } from "../../queue/index.js";
import { readRun } from "../../runs/dir.js";
import { readRunStatus, type RunStatus } from "../../runs/status.js";
import { runSpecOf } from "../queue-setup.js";
import { emit, type Io } from "../output.js";
import { resumeCommandFor } from "../../runs/dir.js";

export interface StatusOpts {
  json?: boolean;
  /** The Redis of a run with `--executor queue`. */
  queue?: string;
}

const pct = (x: number | null) => (x === null ? "n/a" : `${(100 * x).toFixed(1)}%`);

function describeQueue(q: QueueStatus): string[] {
  const j = q.jobs;
  const lines = [`  queue ${q.url}: ${q.workers.length} worker${q.workers.length === 1 ? "" : "s"} (${q.workers.map((w) => w.name || w.addr).join(", ") || "none"}); jobs ${j.waiting} waiting, ${j.active} active, ${j.delayed} delayed, ${j.completed} completed, ${j.failed} failed`];
  const sp = q.spend;
  if (sp) lines.push(`  spend on the workers for this run: ${sp.jobs} jobs, ${sp.items} evaluations, ${sp.calls} model calls, ${sp.flops.toExponential(3)} FLOPs, $${sp.dollars.toFixed(4)}`);
  return lines;
}

function describe(s: RunStatus & { resume?: string; queue?: QueueStatus }): string {
  const head =
    s.state === "finished" ? "finished" : s.state === "running" ? `running (pid ${s.pid} is writing it)` : `interrupted${s.stoppedBy !== undefined ? ` (stopped by ${s.stoppedBy})` : ""}`;
  const lines = [
    `${s.dir}: ${head}`,
    `  ${s.optimizer} on ${s.task} with ${s.pool}, budget ${s.budget} ${s.budgetUnit}, seed ${s.seed}`,
    `  evaluations: ${s.evals.done} of ${s.evals.total} (${s.iterations} iteration${s.iterations === 1 ? "" : "s"} finished)`,
  ];
  if (s.best) {
    lines.push(
      s.best.validated
        ? `  best graph: ${s.best.hash}, validated accuracy ${pct(s.best.accuracy)} on ${s.best.items} items`
        : `  best so far: ${s.best.hash}, ${pct(s.best.accuracy)} on ${s.best.items} search items (not yet validated)`,
    );
  } else lines.push("  best so far: none yet");
  if (s.tornBytes !== undefined) lines.push(`  the journal's last line was cut short (${s.tornBytes} bytes); a resume drops it`);
  if (s.savedAt !== undefined) lines.push(`  last checkpoint: ${s.savedAt}`);
  if (s.resume !== undefined) lines.push(`  continue with: ${s.resume}`);
  if (s.queue) lines.push(...describeQueue(s.queue));
  return lines.join("\n");
}

export async function statusCommand(dir: string, opts: StatusOpts, io: Io): Promise<void> {
  const s = readRunStatus(dir);
  const url = opts.queue !== undefined ? redisUrl(opts.queue) : undefined;
  if (url !== undefined) await checkReachable(url);
  const queue = url !== undefined ? await queueStatus(url, runSpecOf(readRun(dir).config)) : undefined;
  const status = { ...(s.state === "interrupted" ? { ...s, resume: resumeCommandFor(s.dir) } : s), ...(queue ? { queue } : {}) };
  emit(io, opts.json, status, () => describe(status));
}
