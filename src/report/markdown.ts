/** The Markdown summary: the same figures and tables as the HTML report, with the graph as Mermaid. */
import { toMermaid } from "../graph/render.js";
import { BREAK_EVEN_DEFINITION, type BreakEven } from "./break-even.js";
import { escapeMdCell } from "./escape.js";
import type { ReportModel } from "./extract.js";
import { agentUnusable, SOLID_ITEMS } from "./extract.js";
import { KEPT_FEEDBACK, baselineTable, bestTable, candidateTable, costTable, iterationTable, keyFacts, paretoTable, runTable, type Table } from "./tables.js";

function table(t: Table): string {
  const headers = t.headers.every((h) => h === "") ? t.headers.map((_, i) => (i === 0 ? "field" : "value")) : t.headers;
  const align = headers.map((_, i) => (t.numeric.includes(i) ? "---:" : "---"));
  return [`| ${headers.map(escapeMdCell).join(" | ")} |`, `| ${align.join(" | ")} |`, ...t.rows.map((r) => `| ${r.map((c) => escapeMdCell(c.trim())).join(" | ")} |`)].join("\n");
}

/** `htmlName`: the HTML report's file name, linked for the charts. */
export function buildMarkdown(model: ReportModel, be: BreakEven, htmlName: string): string {
  const r = model.run;
  const out: string[] = [];
  out.push(`# Search report: ${r.task}, ${r.pool}, ${r.optimizer}`, "");
  out.push(`${r.optimizer} on ${r.task} with pool ${r.pool}; budget ${r.budget} per query; objective: ${r.objective}; seed ${r.seed ?? "unknown"}.`, "");
  if (!model.complete) {
    out.push("> **Incomplete run.** result.json is missing: the search has not finished (or was stopped). Everything here is computed from the event log so far; the graph shown is the leader on search items, not a validated choice.", "");
  }
  const unusable = agentUnusable(model.cost.agent, model.agentCalls[0]?.model);
  if (unusable) out.push(`> **LLM agent unused.** ${unusable}`, "");
  out.push(`Charts (search curve, accuracy against FLOPs and latency with the Pareto front) are in [${htmlName}](${encodeURI(htmlName)}).`, "");
  out.push("## Summary", "");
  out.push(table({ headers: ["figure", "value", "note"], numeric: [], rows: keyFacts(model, be).map((f) => [f.label, f.value, f.note ?? ""]) }), "");

  out.push(model.complete ? "## Best graph" : "## Leading graph so far", "");
  if (model.best) {
    out.push("```mermaid", toMermaid(model.best.graph), "```", "");
    const bt = bestTable(model);
    if (bt) out.push(table(bt), "");
  } else out.push(`No graph has been graded on at least ${SOLID_ITEMS} items yet.`, "");

  out.push("## Break-even", "", `**${be.summary}**`, "", BREAK_EVEN_DEFINITION, "");
  const blt = baselineTable(be);
  if (blt) out.push(table(blt), "");

  const ct = candidateTable(model);
  if (ct) out.push("## Finalists", "", table(ct), "", model.selectionRule ?? "", "");
  const pt = paretoTable(model);
  if (pt) out.push("## Pareto set (accuracy, FLOPs and latency)", "", table(pt), "");

  out.push("## Search cost", "", table(costTable(model, be)), "");
  out.push("## Iterations and agent feedback", "", table(iterationTable(model)), "");
  const notes = model.iterations.flatMap((it) => [
    ...it.feedback.map((f) => [`**Iteration ${it.iteration} (${it.phase}), ${f.agent} agent:**`, "", ...f.text.split("\n").map((l) => `> ${l}`), ""]),
    ...it.fallbacks.map((why) => [`**Iteration ${it.iteration}: fallback to the rule agent:** ${why}`, ""]),
  ]);
  if (notes.length > KEPT_FEEDBACK) out.push(`(${notes.length - KEPT_FEEDBACK} earlier feedback notes are in events.jsonl; the last ${KEPT_FEEDBACK} follow.)`, "");
  for (const n of notes.slice(-KEPT_FEEDBACK)) out.push(...n);

  out.push("## Configuration", "", table(runTable(model)), "", "```json", JSON.stringify(model.config, null, 2), "```", "");
  if (model.notes.length > 0) out.push("## Notes on the run directory", "", ...model.notes.map((n) => `- ${n}`), "");
  return out.join("\n");
}
