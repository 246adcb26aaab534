/**
 * The LLM agent's prompts: initialisation (choose model multisets from the probes) and update
 * (feedback plus a bounded change of the probabilistic graph). The content follows the paper's
 * prompts in our own words: the task context, what was tried and how it scored, the rules of the
 * space, the insights (unless ablated), and the exact output format.
 */
import type { ChatMessage } from "../../../tasks/types.js";
import { OUTPUT_ID, slotId } from "../../space.js";
import { describeObjective } from "../../objective.js";
import { INIT_INSIGHTS, UPDATE_INSIGHTS } from "./insights.js";
import { countsLabel } from "./rules.js";
import type { InitInput, SampleReport, UpdateInput } from "./types.js";
import { MAX_CHANGES, MAX_DELTA } from "./update.js";

const SYSTEM = "You are a researcher who designs and optimises multi-agent systems of language models (collaboration graphs) under a fixed compute budget. You answer with one JSON object and nothing else.";

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a";
}

export function initMessages(input: InitInput): ChatMessage[] {
  const s = input.space;
  const lines = [
    `TASK: choose ${input.pick} model combinations (multisets) to pretest for the task "${input.task.id}" (${input.task.style})${input.task.description ? `: ${input.task.description}` : ""}.`,
    `Budget per query: ${s.budget.limit} ${s.budget.unit}. Objective: ${describeObjective(input.objective)}.`,
    `Each combination will be tried as a graph whose worker nodes all feed one output node (the strongest member, or a weaker model fusing stronger workers' answers); the search later optimises edges and roles.`,
    "",
    "PROBES (each model answering alone on the same items):",
    ...input.probes.map((p) => `- ${p.model} (family ${p.family}, ${(p.params / 1e9).toFixed(1)}B parameters, ${p.units.toFixed(2)} units per call): ${p.correct}/${p.items} correct`),
    "",
    "CANDIDATES (id: models, budget units):",
    ...input.candidates.slice(0, 200).map((c) => `- ${c.id}: ${countsLabel(c.counts)}; output ${c.graph.nodes.find((n) => n.id === c.graph.output)!.model}${c.kind === "fuse" ? " as fuser" : ""} (${c.units.toFixed(1)} units)`),
  ];
  if (input.insights) lines.push("", "INSIGHTS:", ...INIT_INSIGHTS.map((t) => `- ${t}`));
  lines.push(
    "",
    `RETURN exactly: {"multisets": ["<candidate id>", ...], "rationale": "<why, in a few sentences>"} with ${input.pick} ids from the CANDIDATES list, best first.`,
  );
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: lines.join("\n") },
  ];
}

function graphLine(s: SampleReport): string {
  const nodes = s.graph.nodes.map((n) => `${n.id}=${n.model}/${n.role}`).join(" ");
  const edges = s.graph.edges.map(([a, b]) => `${a}->${b}`).join(" ");
  return `${s.id}: batch ${pct(s.batch.utility)} (${s.batch.correct}/${s.batch.items - s.batch.errored}), all items ${pct(s.total.accuracy)} of ${s.total.items}; width ${s.width}, depth ${s.depth}, ${s.units.toFixed(1)} units; nodes ${nodes}; edges ${edges || "none"}`;
}

export function updateMessages(input: UpdateInput): ChatMessage[] {
  const s = input.space;
  const probs = input.dist.probabilities();
  const slotLines: string[] = [];
  for (let i = 0; i < s.slots; i++) {
    const models = Object.entries(probs.slotModel[i]!)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([m, p]) => `${m} ${p.toFixed(2)}`)
      .join(", ");
    slotLines.push(`- ${slotId(i)}: ${models}; fuser ${probs.slotFuser[i]!.toFixed(2)}; -> out ${probs.toOut[i]!.toFixed(2)}`);
  }
  const edgeLines = probs.edge.filter((e) => e.p >= 0.1).map((e) => `${slotId(e.from)}->${slotId(e.to)} ${e.p.toFixed(2)}`);
  const lines = [
    `TASK CONTEXT: a collaboration graph answers each question of the task "${input.task.id}" (${input.task.style}). Nodes are ${slotId(0)}..${slotId(Math.max(0, s.slots - 1))} (worker slots, each off or running one model with a role) and ${OUTPUT_ID} (the output node, whose answer is the graph's). An edge a->b appends a's answer to b's context. An assistant answers (improving on its inputs when it has some); a fuser condenses its inputs into one answer and needs an assistant among them. Edges only go from a lower slot to a higher one or to ${OUTPUT_ID}, so every graph is acyclic. Budget: ${s.budget.limit} ${s.budget.unit} per query; graphs over it are never run. Objective: ${describeObjective(input.objective)}.`,
    `Worker models: ${s.models.join(", ")} (or "off"). Output models: ${s.outModels.join(", ")}${s.outputFixed ? " (fixed)" : ""}. Fuser role ${s.fuser ? "allowed" : "not allowed"}.`,
    "",
    `ITERATION ${input.iteration}: these graphs were sampled from the probabilistic graph and evaluated on the same items:`,
    ...input.samples.map((x) => `- ${graphLine(x)}`),
  ];
  if (input.incumbent) lines.push(`Incumbent (best so far over all its items): ${graphLine(input.incumbent)}`);
  if (input.history.length > 0) lines.push(`Earlier iterations (best / mean on their batch): ${input.history.map((h) => `${h.iteration}: ${pct(h.best)} / ${pct(h.mean)}`).join("; ")}`);
  lines.push("", "CURRENT PROBABILITIES (per slot: top models; fuser; edge into out):", ...slotLines);
  lines.push(`Forward edges with probability >= 0.10: ${edgeLines.join(", ") || "none"}`);
  lines.push(`Output: ${Object.entries(probs.outModel).map(([m, p]) => `${m} ${p.toFixed(2)}`).join(", ")}; fuser ${probs.outFuser.toFixed(2)}`);
  if (input.insights) lines.push("", "INSIGHTS:", ...UPDATE_INSIGHTS.map((t) => `- ${t}`));
  lines.push(
    "",
    "RULES:",
    `- Write feedback: which edges, roles, models, width and depth helped or hurt on this batch, and why.`,
    `- Then give at most ${MAX_CHANGES} changes to the logits, each with delta between -${MAX_DELTA} and ${MAX_DELTA}:`,
    `  {"op":"edge","from":"w0","to":"out","delta":1}  {"op":"role","node":"w2","role":"fuser","delta":-0.5}  {"op":"model","node":"w1","model":"<model or off>","delta":1}`,
    `- Only existing node ids; only forward edges; only the models listed; keep the most likely graph within the budget.`,
    "",
    `RETURN exactly one JSON object: {"feedback": "<text>", "changes": [ ... ]}`,
  );
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: lines.join("\n") },
  ];
}
