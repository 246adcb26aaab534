/**
 * `tts-graph report RUN_DIR`: write the self-contained HTML report and the Markdown summary of a
 * search run directory (finished or not) and print their paths.
 */
import type { AgentModelSpec } from "../../report/break-even.js";
import { writeReport } from "../../report/index.js";
import { resolvePool } from "../../resolve.js";
import { emit, type Io } from "../output.js";

export interface ReportOpts {
  out?: string;
  json?: boolean;
}

/** The run's pool models, for converting the agent's tokens to FLOPs; none when the pool cannot be loaded now. */
function poolModels(io: Io): (pool: string) => readonly AgentModelSpec[] {
  return (pool) => {
    try {
      return resolvePool(pool).pool.models;
    } catch (err) {
      io.stderr(`warning: pool ${pool} of the run could not be loaded (${(err as Error).message}); agent tokens will not be converted to FLOPs\n`);
      return [];
    }
  };
}

export async function reportCommand(runDir: string, opts: ReportOpts, io: Io): Promise<void> {
  const files = await writeReport(runDir, { out: opts.out, models: poolModels(io) });
  if (!files.complete) io.stderr(`note: ${runDir} has no result.json: the run is incomplete; the report shows what its event log holds so far\n`);
  emit(io, opts.json, { html: files.html, markdown: files.markdown, complete: files.complete, breakEven: files.breakEven, notes: files.notes }, () =>
    [`wrote ${files.html}`, `wrote ${files.markdown}`, `break-even: ${files.breakEven.summary}`].join("\n"),
  );
}
