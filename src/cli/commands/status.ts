/**
 * `tts-graph status RUN_DIR`: where a search run stands, read from its folder without running
 * anything: finished, running (another process holds the folder's lock) or interrupted, how many of
 * its evaluations are done, the best graph so far, and for an interrupted run the command that
 * continues it.
 */
import { readRunStatus, type RunStatus } from "../../runs/status.js";
import { emit, type Io } from "../output.js";
import { resumeCommandFor } from "../../runs/dir.js";

export interface StatusOpts {
  json?: boolean;
}

const pct = (x: number | null) => (x === null ? "n/a" : `${(100 * x).toFixed(1)}%`);

function describe(s: RunStatus & { resume?: string }): string {
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
  return lines.join("\n");
}

export function statusCommand(dir: string, opts: StatusOpts, io: Io): void {
  const s = readRunStatus(dir);
  const status = s.state === "interrupted" ? { ...s, resume: resumeCommandFor(s.dir) } : s;
  emit(io, opts.json, status, () => describe(status));
}
