/**
 * TextGrad-style baseline: an LLM edits graphs directly from their scores, with no insights and no
 * initialisation (the first graphs are random). Each iteration it sees the graphs just evaluated and
 * the best so far, and writes up to `samples` edited graphs; each is checked (schema, models, slots,
 * acyclic, budget) and a rejected reply goes back to it with the problems listed. When it keeps
 * failing, the iteration falls back to random mutations of the best graph, and the log says so.
 */
import { z } from "zod";
import { UserError, type Issue } from "../../errors.js";
import { EdgeSchema, NodeSchema, GRAPH_FORMAT_VERSION, type Graph } from "../../graph/schema.js";
import { safeParseGraph } from "../../graph/validate.js";
import { topology } from "../../graph/topology.js";
import { zodIssues } from "../../util/files.js";
import type { ChatMessage } from "../../tasks/types.js";
import { ProbGraph } from "../distribution.js";
import { describeObjective } from "../objective.js";
import type { AskBatch, AskRequest, EvalOutcome, OptimizerContext, ProposalDraft, Score } from "../types.js";
import type { SearchSpace } from "../space.js";
import { BaseOptimizer, draftOf, mutate, sampleFeasible, usable } from "./common.js";
import { askJson } from "./llm-json.js";

export const GraphEditSchema = z
  .object({
    feedback: z.string().min(1).max(4000),
    graphs: z
      .array(z.object({ nodes: z.array(NodeSchema).min(1).max(64), edges: z.array(EdgeSchema).max(512), output: z.string().min(1) }).strict())
      .min(1)
      .max(8),
  })
  .strict();
export type GraphEdit = z.infer<typeof GraphEditSchema>;

export function graphEditJsonSchema(): unknown {
  return z.toJSONSchema(GraphEditSchema, { io: "input" });
}

interface Seen {
  graph: Graph;
  batch: Score;
  total: Score;
}

export class TextGrad extends BaseOptimizer {
  readonly name = "textgrad";
  readonly defaults = { samples: 4, batch: 6 };
  private last: Seen[] = [];
  private readonly best = new Map<string, Seen>();
  private readonly start: ProbGraph;
  private readonly maxAttempts: number;

  constructor(ctx: OptimizerContext) {
    super(ctx);
    if (!ctx.llm) throw new UserError("the textgrad optimizer needs an LLM to edit graphs: give --agent MODEL_ID (a pool model or, with --agent-url, an OpenAI-compatible endpoint)", { code: "needs_llm", source: "--agent" });
    this.start = ProbGraph.neutral(ctx.space, 0.5);
    this.maxAttempts = Number(ctx.options.maxAttempts ?? 3);
  }

  async ask(req: AskRequest): Promise<AskBatch> {
    const rng = this.rng(req.iteration, "textgrad");
    if (this.last.length === 0) {
      return { proposals: Array.from({ length: req.samples }, () => draftOf(sampleFeasible(this.start, rng), "sample")) };
    }
    const edited = await this.edit(req);
    if (edited.length > 0) return { proposals: edited };
    // Fallback: random local edits of the best graph so far.
    const top = this.top();
    const from = top ? this.ctx.space.fromGraph(top.graph) : undefined;
    const proposals: ProposalDraft[] = [];
    for (let k = 0; k < req.samples; k++) {
      const g = from && "genome" in from ? mutate(this.ctx.space, from.genome, rng) : this.start.sample(rng);
      proposals.push(draftOf(this.ctx.space.realise(g, rng) ?? sampleFeasible(this.start, rng), "mutation"));
    }
    return { proposals };
  }

  private top(): Seen | undefined {
    return [...this.best.values()].filter((s) => Number.isFinite(s.total.utility)).sort((a, b) => b.total.utility - a.total.utility || b.total.items - a.total.items)[0];
  }

  private async edit(req: AskRequest): Promise<ProposalDraft[]> {
    const llm = this.ctx.llm!;
    const got = await askJson({
      channel: llm,
      emit: this.ctx.emit,
      purpose: "edit",
      iteration: req.iteration,
      messages: editMessages(this.ctx, this.last, this.top(), req.samples),
      schema: { name: "graph_edit", schema: graphEditJsonSchema() },
      check: (value) => checkEdit(value, this.ctx.space, req.samples),
      maxAttempts: this.maxAttempts,
      fallback: "random edits of the best graph are used",
    });
    if (!got) return [];
    this.ctx.emit({ type: "agent.feedback", iteration: req.iteration, agent: llm.model, text: got.feedback });
    return got.drafts;
  }

  protected observe(results: EvalOutcome[]): void {
    this.last = [];
    for (const r of usable(results)) {
      const seen = { graph: r.proposal.graph, batch: r.batch, total: r.total };
      this.last.push(seen);
      this.best.set(r.proposal.hash, seen);
    }
  }
}

/** An edit reply's graphs, each checked against the schema, the space and the budget: the drafts, or every problem. */
function checkEdit(value: unknown, space: SearchSpace, samples: number): { value: { feedback: string; drafts: ProposalDraft[] } } | { issues: Issue[] } {
  const r = GraphEditSchema.safeParse(value);
  if (!r.success) return { issues: zodIssues(r.error) };
  const issues: Issue[] = [];
  const drafts: ProposalDraft[] = [];
  r.data.graphs.slice(0, samples).forEach((g, i) => {
    const graph: Graph = { version: GRAPH_FORMAT_VERSION, nodes: g.nodes, edges: g.edges, output: g.output };
    const parsed = safeParseGraph(graph, { models: [...new Set([...space.models, ...space.outModels])] });
    if (!parsed.success) {
      for (const is of parsed.issues.filter((x) => x.severity === "error")) issues.push({ ...is, path: `graphs[${i}].${is.path}` });
      return;
    }
    const mapped = space.fromGraph(parsed.graph);
    if ("problems" in mapped) {
      for (const p of mapped.problems) issues.push({ code: "outside_space", path: `graphs[${i}]`, message: p });
      return;
    }
    const check = space.check(parsed.graph);
    if (!check.ok) {
      issues.push({ code: "over_budget", path: `graphs[${i}]`, message: `graph ${i} ${check.reason ?? "is over budget"}` });
      return;
    }
    drafts.push({ graph: space.toGraph(mapped.genome), genome: space.normalise(mapped.genome), origin: "llm-edit" });
  });
  if (issues.length === 0 && drafts.length === 0) issues.push({ code: "no_graphs", path: "graphs", message: "no usable graph in the reply" });
  return issues.length > 0 ? { issues } : { value: { feedback: r.data.feedback, drafts } };
}

function graphText(g: Graph): string {
  const t = topology(g);
  return `nodes ${g.nodes.map((n) => `${n.id}=${n.model}/${n.role}`).join(" ")}; edges ${g.edges.map(([a, b]) => `${a}->${b}`).join(" ") || "none"}; output ${g.output}; width ${t.width}, depth ${t.depth}`;
}

function editMessages(ctx: OptimizerContext, last: Seen[], top: Seen | undefined, k: number): ChatMessage[] {
  const s = ctx.space;
  const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a");
  const lines = [
    `You improve a collaboration graph of language models for the task "${ctx.task.id}" (${ctx.task.style}). Objective: ${describeObjective(ctx.objective)}. Budget: ${s.budget.limit} ${s.budget.unit} per query; graphs over it are rejected.`,
    `A graph has nodes {id, model, role} with role "assistant" (answers, improving on its inputs) or "fuser" (condenses its inputs; needs an assistant input), edges [from, to] (from's answer goes into to's context; no cycles), and one output node with no successors. At most ${s.slots} nodes besides the output. Worker models: ${s.models.join(", ")}. Output models: ${s.outModels.join(", ")}${s.outputFixed ? " (fixed)" : ""}.`,
    "",
    "LAST ROUND (each graph on the same items):",
    ...last.map((x) => `- ${pct(x.batch.utility)} on ${x.batch.items} items: ${graphText(x.graph)}`),
  ];
  if (top) lines.push(`BEST SO FAR: ${pct(top.total.utility)} over ${top.total.items} items: ${graphText(top.graph)}`);
  lines.push("", `Write feedback on what to change and return ${k} edited graphs as JSON: {"feedback": "...", "graphs": [{"nodes": [{"id": "a", "model": "...", "role": "assistant"}], "edges": [["a", "out"]], "output": "out"}]}`);
  return [
    { role: "system", content: "You optimise multi-agent systems of language models. You answer with one JSON object and nothing else." },
    { role: "user", content: lines.join("\n") },
  ];
}
