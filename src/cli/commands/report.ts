/**
 * `tts-graph report RUN_DIR`: write the self-contained HTML report and the Markdown summary of a
 * search run directory (finished or not) and print their paths.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AgentModelSpec } from "../../report/break-even.js";
import { writeReport } from "../../report/index.js";
import { resolvePool } from "../../resolve.js";
import { readStructured } from "../../util/files.js";
import { emit, type Io } from "../output.js";

export interface ReportOpts {
  out?: string;
  json?: boolean;
}

/** The run's pool models, for converting the agent's tokens to FLOPs; none when the pool cannot be found now. */
function poolModels(runDir: string, io: Io): AgentModelSpec[] {
  const configPath = join(runDir, "config.json");
  if (!existsSync(configPath)) return [];
  let pool: unknown;
  try {
    pool = (readStructured(configPath, "config file") as { pool?: unknown } | null)?.pool;
  } catch {
    // writeReport reads config.json itself and reports what is wrong with it.
    return [];
  }
  if (typeof pool !== "string") return [];
  try {
    return resolvePool(pool).pool.models;
  } catch (err) {
    io.stderr(`warning: pool ${pool} of the run could not be loaded (${(err as Error).message}); agent tokens will not be converted to FLOPs\n`);
    return [];
  }
}

export async function reportCommand(runDir: string, opts: ReportOpts, io: Io): Promise<void> {
  const files = await writeReport(runDir, { out: opts.out, models: poolModels(runDir, io) });
  if (!files.complete) io.stderr(`note: ${runDir} has no result.json: the run is incomplete; the report shows what its event log holds so far\n`);
  emit(io, opts.json, { html: files.html, markdown: files.markdown, complete: files.complete, breakEven: files.breakEven, notes: files.notes }, () =>
    [`wrote ${files.html}`, `wrote ${files.markdown}`, `break-even: ${files.breakEven.summary}`].join("\n"),
  );
}
