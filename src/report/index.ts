/**
 * Reports of search runs: `writeReport(runDir)` reads a run directory and writes a self-contained
 * HTML report and a Markdown summary beside it (or where `out` says).
 */
import { basename, dirname, join } from "node:path";
import { UserError } from "../errors.js";
import { RUN_FILES } from "../runs/dir.js";
import { writeFileAtomic } from "../util/files.js";
import { breakEven, type AgentModelSpec, type BreakEven } from "./break-even.js";
import { curveSpec, renderSvg, tradeoffSpec } from "./charts.js";
import { extractReport, type ReportModel } from "./extract.js";
import { drawGraph } from "./graph-svg.js";
import { buildHtml } from "./html.js";
import { buildMarkdown } from "./markdown.js";
import { readRunDir } from "./run-dir.js";

export { BREAK_EVEN_DEFINITION, breakEven, agentFlops, type AgentModelSpec, type BreakEven, type BaselineRow } from "./break-even.js";
export { extractReport, front2d, tally, SOLID_ITEMS, type ReportModel, type GraphStats, type IterationRow, type SampledPoint, type CurvePoint, type BestGraph, type Tally } from "./extract.js";
export { readRunDir, reportEvents, type RunDir, type RunEvent } from "./run-dir.js";
export { drawGraph, layoutGraph, type GraphDrawing } from "./graph-svg.js";

export interface ReportOptions {
  /** Path of the HTML file (default RUN_DIR/report.html); the Markdown goes beside it with `.md`. */
  out?: string | undefined;
  /**
   * Model sizes for converting the optimizer agent's tokens to FLOPs (e.g. the pool's models), or a
   * lookup from the pool the run's config names, so the folder is read once.
   */
  models?: readonly AgentModelSpec[] | ((pool: string) => readonly AgentModelSpec[]) | undefined;
}

export interface ReportFiles {
  html: string;
  markdown: string;
  /** The run had finished (result.json present). */
  complete: boolean;
  breakEven: BreakEven;
  notes: string[];
}

/** The HTML and Markdown texts of a run directory's report, without writing anything. */
export async function buildReport(runDir: string, options: Pick<ReportOptions, "models"> & { htmlName?: string } = {}): Promise<{ html: string; markdown: string; model: ReportModel; breakEven: BreakEven }> {
  const run = readRunDir(runDir);
  const model = extractReport(run);
  const be = breakEven(model, { models: typeof options.models === "function" ? options.models(run.config.pool) : options.models });
  const [curve, flops, latency] = await Promise.all([renderSvg(curveSpec(model)), renderSvg(tradeoffSpec(model, "flops")), renderSvg(tradeoffSpec(model, "latency"))]);
  const graphSvg = model.best ? drawGraph(model.best.graph, "best").svg : undefined;
  return { html: buildHtml(model, be, { curve, flops, latency }, graphSvg), markdown: buildMarkdown(model, be, options.htmlName ?? RUN_FILES.report), model, breakEven: be };
}

/**
 * Write `report.html` and `report.md` for a run directory; returns their paths.
 *
 * @example
 * ```ts
 * import { writeReport } from "tts-graph";
 *
 * const files = await writeReport("runs/sim-math-sim-llama-agent-reinforce-b18-s0");
 * console.log(files.html, files.markdown, files.complete);
 * ```
 */
export async function writeReport(runDir: string, options: ReportOptions = {}): Promise<ReportFiles> {
  const html = options.out ?? join(runDir, RUN_FILES.report);
  const markdown = join(dirname(html), `${basename(html).replace(/\.html?$/i, "")}.md`);
  const built = await buildReport(runDir, { models: options.models, htmlName: basename(html) });
  try {
    writeFileAtomic(html, built.html);
    writeFileAtomic(markdown, built.markdown);
  } catch (err) {
    throw new UserError(`cannot write the report to ${dirname(html)}: ${(err as Error).message}`, { source: "--out", code: "report_unwritable", cause: err });
  }
  return { html, markdown, complete: built.model.complete, breakEven: built.breakEven, notes: built.model.notes };
}
