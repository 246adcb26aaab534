/**
 * The search space of collaboration graphs for a pool, a task and a budget.
 *
 * A point of the space is a {@link Genome}: `slots` worker slots, each off or holding a model and a
 * role; forward edges between slots (slot i may feed slot j only when i < j, so every point is a
 * DAG); an edge from each slot into the output node; and the output node's model (fixed when the
 * pool names an `outputModel`, as the paper fixes its final-decision node) and role. Every point is
 * turned into a graph, costed a priori and checked against the budget before anything runs.
 */
import { UserError } from "../errors.js";
import { checkBudget, planCost, type Budget, type BudgetCheck, type CostContext, type CostModel, type CostPlan } from "../cost/index.js";
import { GRAPH_FORMAT_VERSION, type Graph, type GraphNode, type Role } from "../graph/schema.js";
import { adjacency, topologicalOrder } from "../graph/topology.js";
import type { Rng } from "../util/rng.js";

/** What to do with a sampled graph that is over budget. */
export type RepairRule = "drop-smallest" | "reject";

export interface SpaceOptions {
  /** Most worker slots (besides the output node). Default 12, and never more than fit the budget. */
  maxSlots?: number | undefined;
  /** Over-budget graphs: drop the smallest model first (the paper's rule), or reject and resample. */
  repair?: RepairRule | undefined;
  /** Allow the fuser role (false for the "no fuser" ablation). */
  fuser?: boolean | undefined;
  /** A model fixed at the output node. */
  outputModel?: string | undefined;
  /** Restrict the pool to these model ids. */
  models?: readonly string[] | undefined;
}

/** A concrete point of the space. Slots are in topological order; `null` means the slot is off. */
export interface Genome {
  models: (string | null)[];
  roles: Role[];
  /** Forward edges i -> j (i < j), upper-triangular, indexed by {@link SearchSpace.edgeIndex}. */
  edges: boolean[];
  /** Edge from slot i into the output node. */
  toOut: boolean[];
  outModel: string;
  outRole: Role;
}

/** A genome made concrete: its graph, its a-priori cost and the budget check. */
export interface Realised {
  genome: Genome;
  graph: Graph;
  plan: CostPlan;
  check: BudgetCheck;
  /** Worker nodes removed to fit the budget. */
  dropped: number;
}

export const OUTPUT_ID = "out";

/** Node id of a worker slot. */
export function slotId(i: number): string {
  return `w${i}`;
}

/** Slot index of a node id (`w3` -> 3), `-1` for the output node, undefined for anything else. */
export function parseSlotId(id: string): number | undefined {
  if (id === OUTPUT_ID) return -1;
  const m = /^w(\d{1,3})$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

export class SearchSpace {
  readonly slots: number;
  /** Models a worker slot can hold (pool models that fit the budget in some graph). */
  readonly models: readonly string[];
  /** Models the output node can hold; one when it is fixed. */
  readonly outModels: readonly string[];
  readonly outputFixed: boolean;
  readonly fuser: boolean;
  readonly repair: RepairRule;
  readonly budget: Budget;
  readonly costContext: CostContext;
  private readonly specs: ReadonlyMap<string, CostModel>;

  constructor(pool: readonly CostModel[], costContext: Omit<CostContext, "models">, budget: Budget, options: SpaceOptions = {}) {
    const allowed = options.models ? new Set(options.models) : undefined;
    if (allowed) {
      const unknown = [...allowed].filter((m) => !pool.some((p) => p.id === m));
      if (unknown.length > 0) throw new UserError(`search space: unknown model${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (the pool has ${pool.map((m) => m.id).join(", ")})`, { code: "unknown_model" });
    }
    const chosen = pool.filter((m) => !allowed || allowed.has(m.id) || m.id === options.outputModel);
    this.specs = new Map(chosen.map((m) => [m.id, m]));
    this.costContext = { ...costContext, models: this.specs };
    this.budget = budget;
    this.repair = options.repair ?? "drop-smallest";
    this.fuser = options.fuser ?? true;
    if (options.outputModel !== undefined && !this.specs.has(options.outputModel)) {
      throw new UserError(`output model "${options.outputModel}" is not in the pool (${pool.map((m) => m.id).join(", ")}): give --output-model (or space.outputModel in the config, or outputModel in the pool file) one of those ids`, { code: "unknown_model", source: "--output-model" });
    }
    this.outputFixed = options.outputModel !== undefined;

    const byParams = [...chosen].sort((a, b) => a.params - b.params || a.id.localeCompare(b.id));
    const workerCandidates = byParams.filter((m) => !allowed || allowed.has(m.id));
    const fits = (models: (string | null)[], toOut: boolean[], outModel: string) => this.check(this.graphOf({ models, roles: models.map(() => "assistant"), edges: [], toOut, outModel, outRole: "assistant" }, models.length)).ok;

    const outModels = this.outputFixed ? [options.outputModel!] : workerCandidates.map((m) => m.id).filter((id) => fits([], [], id));
    if (outModels.length === 0 || (this.outputFixed && !fits([], [], outModels[0]!))) {
      const cheapest = byParams[0]!;
      const plan = planCost(lone(this.outputFixed ? options.outputModel! : cheapest.id), this.costContext);
      throw new UserError(
        `budget ${budget.limit} ${budget.unit} is below the cost of a single call of ${this.outputFixed ? "the output model" : "the cheapest model"} (${plan.units.toFixed(3)} units): no graph fits`,
        { code: "budget_too_small", source: "--budget" },
      );
    }
    this.outModels = outModels;
    const cheapestOut = outModels.reduce((a, b) => (this.specs.get(a)!.params <= this.specs.get(b)!.params ? a : b));
    this.models = workerCandidates.map((m) => m.id).filter((id) => fits([id], [true], cheapestOut));

    // The most workers that fit: the cheapest model on every slot, wired in the cheapest shape
    // (all into the output, which is cheaper than a chain because sources read only the question).
    const cap = options.maxSlots ?? 12;
    let n = 0;
    if (this.models.length > 0) {
      const cheapestWorker = this.models[0]!;
      while (n < cap && fits(Array(n + 1).fill(cheapestWorker), Array(n + 1).fill(true), cheapestOut)) n++;
    }
    this.slots = n;
  }

  /** Parameters of a model (for "drop the smallest first"). */
  params(model: string): number {
    return this.specs.get(model)?.params ?? Infinity;
  }

  /** Family of a model. */
  family(model: string): string {
    return this.specs.get(model)?.family ?? "";
  }

  /** Number of forward edges between slots. */
  get edgeCount(): number {
    return (this.slots * (this.slots - 1)) / 2;
  }

  /** Index of the forward edge i -> j (i < j) in {@link Genome.edges}. */
  edgeIndex(i: number, j: number): number {
    const n = this.slots;
    return (i * (2 * n - i - 1)) / 2 + (j - i - 1);
  }

  /** The (i, j) slot pair of a forward-edge index. */
  edgePair(k: number): [number, number] {
    for (let i = 0; i < this.slots; i++) {
      const rowEnd = this.edgeIndex(i, this.slots - 1);
      if (k <= rowEnd) return [i, i + 1 + (k - this.edgeIndex(i, i + 1))];
    }
    throw new RangeError(`edge index ${k} out of range`);
  }

  /** A genome with every slot off: the output model answering alone. */
  emptyGenome(outModel = this.outModels[0]!): Genome {
    return {
      models: Array(this.slots).fill(null),
      roles: Array(this.slots).fill("assistant"),
      edges: Array(this.edgeCount).fill(false),
      toOut: Array(this.slots).fill(false),
      outModel,
      outRole: "assistant",
    };
  }

  /** Slots that are on and have a path to the output. */
  reachable(g: Genome): boolean[] {
    const n = this.slots;
    const reach = Array<boolean>(n).fill(false);
    for (let i = n - 1; i >= 0; i--) {
      if (g.models[i] === null) continue;
      if (g.toOut[i]) {
        reach[i] = true;
        continue;
      }
      for (let j = i + 1; j < n; j++) {
        if (reach[j] && g.edges[this.edgeIndex(i, j)]) {
          reach[i] = true;
          break;
        }
      }
    }
    return reach;
  }

  /**
   * The canonical form of a genome: unreachable slots switched off, edges touching off slots
   * cleared, and roles made valid (a fuser needs an assistant among its inputs, as in the paper;
   * no fusers at all when the space forbids them).
   */
  normalise(genome: Genome): Genome {
    const n = this.slots;
    const g: Genome = {
      models: genome.models.slice(0, n),
      roles: genome.roles.slice(0, n),
      edges: genome.edges.slice(0, this.edgeCount),
      toOut: genome.toOut.slice(0, n),
      outModel: genome.outModel,
      outRole: genome.outRole,
    };
    const reach = this.reachable(g);
    for (let i = 0; i < n; i++) {
      if (!reach[i]) {
        g.models[i] = null;
        g.roles[i] = "assistant";
        g.toOut[i] = false;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const k = this.edgeIndex(i, j);
        if (g.edges[k] && (!reach[i] || !reach[j])) g.edges[k] = false;
      }
    }
    for (let j = 0; j < n; j++) {
      if (!reach[j]) continue;
      if (g.roles[j] === "fuser") {
        let ok = this.fuser;
        if (ok) {
          ok = false;
          for (let i = 0; i < j; i++) if (reach[i] && g.edges[this.edgeIndex(i, j)] && g.roles[i] === "assistant") ok = true;
        }
        if (!ok) g.roles[j] = "assistant";
      }
    }
    if (g.outRole === "fuser") {
      let ok = false;
      if (this.fuser) for (let i = 0; i < n; i++) if (reach[i] && g.toOut[i] && g.roles[i] === "assistant") ok = true;
      if (!ok) g.outRole = "assistant";
    }
    if (this.outputFixed) g.outModel = this.outModels[0]!;
    return g;
  }

  /** The graph of a genome (normalised first). Node ids are `w<slot>` and `out`. */
  toGraph(genome: Genome): Graph {
    return this.graphOf(this.normalise(genome), this.slots);
  }

  private graphOf(g: Genome, n: number): Graph {
    const nodes: GraphNode[] = [];
    const edges: [string, string][] = [];
    for (let i = 0; i < n; i++) {
      const m = g.models[i];
      if (m === null || m === undefined) continue;
      nodes.push({ id: slotId(i), role: g.roles[i] ?? "assistant", model: m });
    }
    for (let i = 0; i < n; i++) {
      if (g.models[i] == null) continue;
      for (let j = i + 1; j < n; j++) if (g.models[j] != null && g.edges[(i * (2 * n - i - 1)) / 2 + (j - i - 1)]) edges.push([slotId(i), slotId(j)]);
      if (g.toOut[i]) edges.push([slotId(i), OUTPUT_ID]);
    }
    nodes.push({ id: OUTPUT_ID, role: g.outRole, model: g.outModel });
    return { version: GRAPH_FORMAT_VERSION, nodes, edges, output: OUTPUT_ID };
  }

  /** A-priori cost plan of a graph in this space. */
  plan(graph: Graph): CostPlan {
    return planCost(graph, this.costContext);
  }

  /** Cost a graph and check it against the budget. */
  check(graph: Graph): BudgetCheck {
    return checkBudget(this.plan(graph), this.budget);
  }

  /**
   * Make a genome concrete and fit it to the budget. With `drop-smallest` the smallest worker model
   * is removed (ties broken with `rng`) until the graph fits; with `reject` an over-budget genome
   * gives `null` and the caller samples again.
   */
  realise(genome: Genome, rng: Rng, rule: RepairRule = this.repair): Realised | null {
    let g = this.normalise(genome);
    let dropped = 0;
    for (;;) {
      const graph = this.graphOf(g, this.slots);
      const plan = this.plan(graph);
      const check = checkBudget(plan, this.budget);
      if (check.ok) return { genome: g, graph, plan, check, dropped };
      if (rule === "reject") return null;
      const active = g.models.map((m, i) => (m === null ? -1 : i)).filter((i) => i >= 0);
      if (active.length === 0) return null;
      const smallest = Math.min(...active.map((i) => this.params(g.models[i]!)));
      const ties = active.filter((i) => this.params(g.models[i]!) === smallest);
      const victim = ties.length === 1 ? ties[0]! : rng.pick(ties);
      g = this.normalise({ ...g, models: g.models.map((m, i) => (i === victim ? null : m)) });
      dropped++;
    }
  }

  /**
   * Map a graph onto the space's slots (for graphs written by an LLM or read from a file): workers
   * in topological order, the output node last. Returns the problems when it does not fit.
   */
  fromGraph(graph: Graph): { genome: Genome } | { problems: string[] } {
    const problems: string[] = [];
    const adj = adjacency(graph);
    const order = topologicalOrder(adj);
    if (!order) return { problems: ["the edges form a cycle"] };
    const out = adj.index.get(graph.output);
    if (out === undefined) return { problems: [`output node "${graph.output}" is not a node`] };
    if (adj.succs[out]!.length > 0) problems.push(`output node "${graph.output}" has successors`);
    const workers = order.filter((i) => i !== out);
    if (workers.length > this.slots) problems.push(`${workers.length} worker nodes, but the space has ${this.slots} slots for this budget`);
    const outNode = graph.nodes[out]!;
    if (!this.outModels.includes(outNode.model)) {
      problems.push(this.outputFixed ? `the output node must use the fixed output model "${this.outModels[0]}", not "${outNode.model}"` : `output model "${outNode.model}" is not a model the output can hold (${this.outModels.join(", ")})`);
    }
    for (const i of workers) {
      const m = graph.nodes[i]!.model;
      if (!this.models.includes(m)) problems.push(`node "${graph.nodes[i]!.id}" uses model "${m}", which is not in the search space (${this.models.join(", ")})`);
    }
    if (problems.length > 0) return { problems };
    const g = this.emptyGenome(outNode.model);
    g.outRole = outNode.role;
    const slotOf = new Map<number, number>();
    workers.forEach((v, s) => {
      slotOf.set(v, s);
      g.models[s] = graph.nodes[v]!.model;
      g.roles[s] = graph.nodes[v]!.role;
    });
    for (const v of workers) {
      for (const w of adj.succs[v]!) {
        if (w === out) g.toOut[slotOf.get(v)!] = true;
        else g.edges[this.edgeIndex(slotOf.get(v)!, slotOf.get(w)!)] = true;
      }
    }
    return { genome: g };
  }

  /** Number of worker nodes that run. */
  activeCount(g: Genome): number {
    return this.reachable(g).filter(Boolean).length;
  }

  /** A short description for logs and prompts. */
  describe(): { slots: number; models: string[]; outModels: string[]; outputFixed: boolean; fuser: boolean; repair: RepairRule; budget: Budget } {
    return { slots: this.slots, models: [...this.models], outModels: [...this.outModels], outputFixed: this.outputFixed, fuser: this.fuser, repair: this.repair, budget: this.budget };
  }
}

function lone(model: string): Graph {
  return { version: GRAPH_FORMAT_VERSION, nodes: [{ id: OUTPUT_ID, role: "assistant", model }], edges: [], output: OUTPUT_ID };
}

/** Equality of two (normalised) genomes. */
export function sameGenome(a: Genome, b: Genome): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
