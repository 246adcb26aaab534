/**
 * The agent's update: feedback text plus a bounded list of changes to the probabilistic graph's
 * logits. One zod schema gives the type, the runtime check and the JSON Schema sent to LLMs for
 * structured output. Beyond the schema, an update is checked against the search space (node ids,
 * models, direction of edges, roles, and that the most likely graph stays within the budget);
 * every problem is reported with a code and a path so it can be shown back to the agent.
 */
import { z } from "zod";
import type { Issue } from "../../../errors.js";
import { LOGIT_LIMIT, ROLES, type ProbGraph } from "../../distribution.js";
import { OUTPUT_ID, parseSlotId } from "../../space.js";
import { zodIssues } from "../../../util/files.js";
import { Rng } from "../../../util/rng.js";

/** Largest change of one logit in one update. */
export const MAX_DELTA = 2;
/** Most changes in one update. */
export const MAX_CHANGES = 64;
/** Longest feedback text kept. */
export const MAX_FEEDBACK = 4000;

const NodeRef = z.string().regex(/^(w\d{1,3}|out)$/, 'a node id is "w<slot>" (e.g. "w0") or "out"');
const Delta = z.number().min(-MAX_DELTA).max(MAX_DELTA);

export const AgentChangeSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("edge"), from: NodeRef, to: NodeRef, delta: Delta }).strict(),
  z.object({ op: z.literal("role"), node: NodeRef, role: z.enum(["assistant", "fuser"]), delta: Delta }).strict(),
  z.object({ op: z.literal("model"), node: NodeRef, model: z.string().min(1).max(200), delta: Delta }).strict(),
]);
export type AgentChange = z.infer<typeof AgentChangeSchema>;

export const AgentUpdateSchema = z
  .object({
    /** The textual gradient: what helped or hurt, and why. */
    feedback: z.string().min(1).max(MAX_FEEDBACK),
    changes: z.array(AgentChangeSchema).max(MAX_CHANGES),
  })
  .strict();
export type AgentUpdate = z.infer<typeof AgentUpdateSchema>;

/** JSON Schema of the update, for structured output. */
export function agentUpdateJsonSchema(): unknown {
  return z.toJSONSchema(AgentUpdateSchema, { io: "input" });
}

/** The agent's choice of model multisets at initialisation: ids from the candidate list. */
export const InitDecisionSchema = z
  .object({
    multisets: z.array(z.string().min(1).max(40)).min(1).max(8),
    rationale: z.string().min(1).max(MAX_FEEDBACK),
  })
  .strict();
export type InitDecision = z.infer<typeof InitDecisionSchema>;

export function initDecisionJsonSchema(): unknown {
  return z.toJSONSchema(InitDecisionSchema, { io: "input" });
}

/** Schema check; returns the update or every issue. */
export function parseAgentUpdate(value: unknown): { update: AgentUpdate } | { issues: Issue[] } {
  const r = AgentUpdateSchema.safeParse(value);
  return r.success ? { update: r.data } : { issues: zodIssues(r.error) };
}

/**
 * Clamp what can be safely clamped (deltas beyond the bound, an overlong feedback) so a nearly
 * right reply is repaired instead of thrown away. Returns the repaired value and what was changed.
 */
export function repairUpdate(value: unknown): { value: unknown; repairs: string[] } {
  const repairs: string[] = [];
  if (typeof value !== "object" || value === null) return { value, repairs };
  const v = { ...(value as Record<string, unknown>) };
  if (typeof v.feedback === "string" && v.feedback.length > MAX_FEEDBACK) {
    v.feedback = v.feedback.slice(0, MAX_FEEDBACK);
    repairs.push(`feedback cut to ${MAX_FEEDBACK} characters`);
  }
  if (Array.isArray(v.changes)) {
    v.changes = v.changes.map((c: unknown, i: number) => {
      if (typeof c === "object" && c !== null && typeof (c as { delta?: unknown }).delta === "number") {
        const d = (c as { delta: number }).delta;
        if (Number.isFinite(d) && Math.abs(d) > MAX_DELTA) {
          repairs.push(`changes[${i}].delta ${d} clamped to ${Math.sign(d) * MAX_DELTA}`);
          return { ...(c as object), delta: Math.sign(d) * MAX_DELTA };
        }
      }
      return c;
    });
  }
  return { value: v, repairs };
}

/** Check an update against the space and the current distribution. Empty when it can be applied. */
export function validateUpdate(update: AgentUpdate, dist: ProbGraph): Issue[] {
  const space = dist.space;
  const issues: Issue[] = [];
  const slot = (ref: string, path: string): number | undefined => {
    const i = parseSlotId(ref);
    if (i === undefined || i >= space.slots) {
      issues.push({ code: "unknown_node", path, message: `node "${ref}" does not exist: the nodes are w0..w${space.slots - 1} and ${OUTPUT_ID}` });
      return undefined;
    }
    return i;
  };
  update.changes.forEach((c, k) => {
    const p = `changes[${k}]`;
    if (c.op === "edge") {
      const a = slot(c.from, `${p}.from`);
      const b = slot(c.to, `${p}.to`);
      if (a === undefined || b === undefined) return;
      if (a === -1) issues.push({ code: "cycle", path: `${p}.from`, message: `edge ${c.from} -> ${c.to} leaves the output node, which must stay a sink` });
      else if (a === b) issues.push({ code: "cycle", path: p, message: `edge ${c.from} -> ${c.to} is a self-loop` });
      else if (b !== -1 && b < a) issues.push({ code: "cycle", path: p, message: `edge ${c.from} -> ${c.to} goes backwards: edges run from a lower slot to a higher one (or to out), which keeps every graph acyclic` });
    } else if (c.op === "role") {
      const i = slot(c.node, `${p}.node`);
      if (i === undefined) return;
      if (c.role === "fuser" && !space.fuser) issues.push({ code: "no_fuser", path: `${p}.role`, message: "this search has no fuser role (ablation): only assistant" });
    } else {
      const i = slot(c.node, `${p}.node`);
      if (i === undefined) return;
      if (i === -1) {
        if (space.outputFixed) issues.push({ code: "fixed_output", path: `${p}.node`, message: `the output model is fixed to ${space.outModels[0]} and cannot change` });
        else if (!space.outModels.includes(c.model)) issues.push({ code: "unknown_model", path: `${p}.model`, message: `model "${c.model}" cannot be the output; choose one of ${space.outModels.join(", ")}` });
      } else if (c.model !== "off" && !space.models.includes(c.model)) {
        issues.push({ code: "unknown_model", path: `${p}.model`, message: `model "${c.model}" is not in the search space; choose one of ${space.models.join(", ")} or "off"` });
      }
    }
  });
  if (issues.length > 0) return issues;
  // The distribution's most likely graph must stay within the budget (or at least not grow past it).
  const before = modeCost(dist);
  const after = dist.clone();
  applyUpdate(after, update);
  const cost = modeCost(after);
  if (!cost.ok && cost.units > before.units + 1e-9) {
    issues.push({ code: "over_budget", path: "changes", message: `after this update the most likely graph costs ${cost.units.toFixed(2)} units, over the budget of ${space.budget.limit} ${space.budget.unit}; lower the probability of some models or edges instead` });
  }
  return issues;
}

function modeCost(dist: ProbGraph): { ok: boolean; units: number } {
  const space = dist.space;
  const g = space.toGraph(dist.mode());
  const plan = space.plan(g);
  return { ok: space.check(g).ok, units: plan.units };
}

/** Apply a (validated) update to the distribution's logits, each kept within range. */
export function applyUpdate(dist: ProbGraph, update: AgentUpdate): void {
  const space = dist.space;
  const p = dist.params;
  const clamp = (x: number) => Math.max(-LOGIT_LIMIT, Math.min(LOGIT_LIMIT, x));
  for (const c of update.changes) {
    if (c.op === "edge") {
      const a = parseSlotId(c.from)!;
      const b = parseSlotId(c.to)!;
      if (b === -1) p.toOut[a] = clamp(p.toOut[a]! + c.delta);
      else {
        const k = space.edgeIndex(a, b);
        p.edge[k] = clamp(p.edge[k]! + c.delta);
      }
    } else if (c.op === "role") {
      const i = parseSlotId(c.node)!;
      const row = i === -1 ? p.outRole : p.slotRole[i]!;
      const k = ROLES.indexOf(c.role);
      row[k] = clamp(row[k]! + c.delta);
    } else {
      const i = parseSlotId(c.node)!;
      if (i === -1) {
        const k = space.outModels.indexOf(c.model);
        p.outModel[k] = clamp(p.outModel[k]! + c.delta);
      } else {
        const k = c.model === "off" ? 0 : space.models.indexOf(c.model) + 1;
        p.slotModel[i]![k] = clamp(p.slotModel[i]![k]! + c.delta);
      }
    }
  }
  if (!space.fuser) dist.forbidFusers();
}

/** Validate the mode's feasibility without sampling noise (for tests and reports). */
export function modeIsFeasible(dist: ProbGraph): boolean {
  return dist.space.realise(dist.mode(), new Rng(0, "mode"), "reject") !== null;
}
