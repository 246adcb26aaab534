/** What the search knows about each graph it evaluated, and which drafts may run at all. */
import { safeParseGraph, type Graph } from "../graph/index.js";
import type { SearchSpace } from "./space.js";
import type { ItemOutcome, ProposalDraft } from "./types.js";

/** Default of the config's `failureThreshold`: more than this fraction of errored items fails an evaluation. */
export const DEFAULT_FAILURE_THRESHOLD = 0.5;

/** One evaluated graph: its outcomes per item on each split. */
export interface GraphRecord {
  hash: string;
  graph: Graph;
  origin: string;
  search: Map<string, ItemOutcome>;
  validation: Map<string, ItemOutcome>;
  /** An evaluation of it had too many errored items: missing data, never ranked. */
  failed: boolean;
}

/** The record of a graph, made empty on first sight. */
export function recordOf(records: Map<string, GraphRecord>, hash: string, graph: Graph, origin: string): GraphRecord {
  let rec = records.get(hash);
  if (!rec) {
    rec = { hash, graph, origin, search: new Map(), validation: new Map(), failed: false };
    records.set(hash, rec);
  }
  return rec;
}

/** Too many errored items to count as a measurement (`threshold`: the config's `failureThreshold`). */
export function isFailed(outcomes: readonly ItemOutcome[], threshold: number): boolean {
  return outcomes.length > 0 && outcomes.filter((o) => o.errored).length / outcomes.length > threshold;
}

/** Why a draft cannot run, or undefined when it can. */
export function checkDraft(d: ProposalDraft, space: SearchSpace): string | undefined {
  const parsed = safeParseGraph(d.graph, { models: [...space.models, ...space.outModels] });
  if (!parsed.success) {
    const errs = parsed.issues.filter((i) => i.severity === "error");
    return `invalid graph: ${errs.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
  }
  if (space.outputFixed) {
    const out = d.graph.nodes.find((n) => n.id === d.graph.output);
    if (out && out.model !== space.outModels[0]) return `the output node must use the fixed output model ${space.outModels[0]}`;
  }
  const check = space.check(d.graph);
  if (!check.ok) return `over budget: ${check.reason ?? "cost unknown"}`;
  return undefined;
}
