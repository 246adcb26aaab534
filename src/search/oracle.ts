/**
 * The oracle of a simulated cell (task, pool, budget): the best graph known, by the simulator's
 * ground truth, among the graphs `tts-graph search` can return. It is what search benchmarks report
 * their gap to.
 *
 * It scores graphs, never searches items: every candidate is a point of the search's own space
 * ({@link SearchSpace}: its slots, models, fixed output model and fuser rule) that passes the same
 * a-priori budget check, so a graph the search could not return is never an answer. Three stages:
 * 1. exhaustive enumeration of structured families: single models; fan-ins of every model multiset
 *    (w samples of one model included) into every output model, as fuser and as assistant; layered
 *    w x d graphs of one model; hierarchical fusion (groups of workers, each fused, feeding the
 *    output); refinement chains of any model sequence;
 * 2. evolution from the best graphs so far: genome edits (a slot's model, role or edges, the output
 *    model, a node added, removed or duplicated) and the search's own deeper moves;
 * 3. re-scoring with more items: every graph is screened on a few population items (the same for
 *    all, so comparisons are paired), the best few hundred on more, the finalists on the full count.
 * The answer's accuracy is measured on the same population items as `sim truth` (a disjoint block
 * from the screening ones), so it matches `sim truth` of the graph exactly.
 */
import { graphHash } from "../graph/canonical.js";
import type { Graph, Role } from "../graph/schema.js";
import { topology } from "../graph/topology.js";
import { UserError } from "../errors.js";
import { DEFAULT_TRUTH_ITEMS, simTruth, type SimTruth, type SimWorld, type TruthOptions } from "../sim/index.js";
import { Rng } from "../util/rng.js";
import { deeperNeighbours } from "./moves.js";
import type { Genome, SearchSpace } from "./space.js";

/** How the truth maps the pool onto the world, the budget unit and the token cap are the truth's own options. */
export interface OracleOptions extends Pick<TruthOptions, "modelMap" | "specs" | "unitFlops" | "maxTokens"> {
  /** Seed of the evolution stage (default 0). */
  seed?: number | undefined;
  /** New graphs the evolution stage may score (default 4,000; 0 skips it). */
  evals?: number | undefined;
  /** Items of the final measurement (default 20,000, as `sim truth`). */
  items?: number | undefined;
  /** Items every graph is screened on (default 400); the evolution's population is measured on four times as many. */
  screenItems?: number | undefined;
  /** Graphs re-scored on `rescoreItems` (default 64). */
  rescore?: number | undefined;
  /** Items of the second stage (default 3,000). */
  rescoreItems?: number | undefined;
  /** Graphs measured on the full item count (default 8). */
  finalists?: number | undefined;
}

/** One graph the oracle scored. */
export interface OracleCandidate {
  graph: Graph;
  hash: string;
  /** The family or stage that first produced it. */
  family: string;
  /** Accuracy on the screening items. */
  screen: number;
  /** Accuracy on the second-stage items, when it got there. */
  rescored?: number | undefined;
  /** Full measurement, for finalists. */
  truth?: SimTruth | undefined;
}

export interface OracleResult {
  graph: Graph;
  hash: string;
  family: string;
  nodes: number;
  depth: number;
  width: number;
  /** Ground truth of the answer on `items` population items (the items `sim truth` uses). */
  truth: SimTruth;
  /** A-priori budget units of the answer (the search's budget check). */
  planUnits: number;
  /** Graphs scored: distinct graphs screened, by stage, then re-scored and measured in full. */
  scored: { total: number; enumerated: number; evolved: number; rescored: number; finalists: number };
  /** The finalists, best first. */
  finalists: { hash: string; family: string; accuracy: number; stderr: number; nodes: number; depth: number }[];
  settings: { seed: number; evals: number; items: number; screenItems: number; rescoreItems: number };
}

/**
 * Most graphs one enumerated family adds. The built-in cells stay below it (their largest family,
 * the fan-ins at budget 80, has about 1,500); a world with many cheap models at a large budget would
 * otherwise spend minutes on multisets of its smallest models, which the evolution reaches anyway.
 */
const FAMILY_LIMIT = 2500;

// Blocks of population items (offsets from the population base): the final measurement uses the
// first block, as `sim truth` does; screening and re-scoring use blocks of their own.
const SCREEN_OFFSET = 5_000_000;
const RESCORE_OFFSET = 6_000_000;

/** A graph as a list of workers in topological order and an output node. */
interface Shape {
  workers: { model: string; role: Role; preds: number[] }[];
  out: { model: string; role: Role; preds: number[] };
}

/** The genome of a shape, or null when it has more workers than the space has slots. */
function shapeGenome(space: SearchSpace, s: Shape): Genome | null {
  if (s.workers.length > space.slots) return null;
  const g = space.emptyGenome(s.out.model);
  g.outRole = s.out.role;
  s.workers.forEach((w, i) => {
    g.models[i] = w.model;
    g.roles[i] = w.role;
    for (const p of w.preds) g.edges[space.edgeIndex(p, i)] = true;
  });
  for (const p of s.out.preds) g.toOut[p] = true;
  return g;
}

/**
 * Scores graphs once each on the screening items, and extends the estimate of promising ones on
 * further items of the same stream (racing), so the evolution's population is not filled with
 * graphs that were merely lucky on a few hundred items.
 */
class Scorer {
  readonly seen = new Map<string, OracleCandidate & { correct: number; n: number }>();
  enumerated = 0;
  evolved = 0;
  constructor(
    private readonly world: SimWorld,
    readonly space: SearchSpace,
    private readonly truthOptions: TruthOptions,
    private readonly screenItems: number,
  ) {}

  truth(graph: Graph, items: number, offset: number): SimTruth {
    return simTruth(this.world, graph, { ...this.truthOptions, items, offset });
  }

  /** Score a genome if it is new and fits: the candidate when new, and whether it fits. */
  offer(genome: Genome, family: string): { candidate?: OracleCandidate; fits: boolean } {
    const graph = this.space.toGraph(genome);
    const hash = graphHash(graph);
    if (this.seen.has(hash)) return { fits: true };
    if (!this.space.check(graph).ok) return { fits: false };
    const t = this.truth(graph, this.screenItems, SCREEN_OFFSET);
    const c = { graph, hash, family, screen: t.accuracy, correct: t.correct, n: t.items };
    this.seen.set(hash, c);
    if (family === "evolution") this.evolved++;
    else this.enumerated++;
    return { candidate: c, fits: true };
  }

  /** Graphs each enumerated family may add; past it the family stops (see {@link FAMILY_LIMIT}). */
  private readonly perFamily = new Map<string, number>();

  offerShape(s: Shape, family: string): boolean {
    const n = this.perFamily.get(family) ?? 0;
    if (n >= FAMILY_LIMIT) return false;
    const g = shapeGenome(this.space, s);
    if (!g) return false;
    const r = this.offer(g, family);
    if (r.candidate) this.perFamily.set(family, n + 1);
    return r.fits;
  }

  /** Extend a candidate's screening estimate to `items` items of the screening stream. */
  extend(c: OracleCandidate, items: number): void {
    const e = this.seen.get(c.hash)!;
    if (e.n >= items) return;
    const t = this.truth(e.graph, items - e.n, SCREEN_OFFSET + e.n);
    e.correct += t.correct;
    e.n = items;
    e.screen = e.correct / e.n;
  }

  best(n: number, key: (c: OracleCandidate) => number = (c) => c.screen): OracleCandidate[] {
    return [...this.seen.values()].sort((a, b) => key(b) - key(a) || (a.hash < b.hash ? -1 : 1)).slice(0, n);
  }
}

/** Every multiset of `models` with 1..max members, in a fixed order; `grow` says whether to extend one. */
function multisets(models: readonly string[], max: number, grow: (ms: string[]) => boolean): void {
  const rec = (from: number, cur: string[]) => {
    for (let k = from; k < models.length; k++) {
      cur.push(models[k]!);
      if (grow(cur) && cur.length < max) rec(k, cur);
      cur.pop();
    }
  };
  rec(0, []);
}

function outRoles(space: SearchSpace): Role[] {
  return space.fuser ? ["fuser", "assistant"] : ["assistant"];
}

/** Single models, and fan-ins of every model multiset into every output model. */
function enumerateFanIns(sc: Scorer): void {
  const sp = sc.space;
  for (const o of sp.outModels) sc.offerShape({ workers: [], out: { model: o, role: "assistant", preds: [] } }, "single");
  multisets(sp.models, sp.slots, (ms) => {
    let any = false;
    for (const o of sp.outModels) {
      for (const role of outRoles(sp)) {
        const workers = ms.map((model) => ({ model, role: "assistant" as Role, preds: [] }));
        if (sc.offerShape({ workers, out: { model: o, role, preds: workers.map((_, i) => i) } }, "fan-in")) any = true;
      }
    }
    return any;
  });
}

/** Layered w x d graphs of one model (d >= 2), the later layers as assistants or as fusers. */
function enumerateLayers(sc: Scorer): void {
  const sp = sc.space;
  for (const m of sp.models) {
    for (let w = 1; w <= sp.slots; w++) {
      for (let d = 2; w * d <= sp.slots; d++) {
        let any = false;
        for (const later of outRoles(sp)) {
          const workers: Shape["workers"] = [];
          for (let l = 0; l < d; l++) {
            for (let k = 0; k < w; k++) workers.push({ model: m, role: l === 0 ? "assistant" : later, preds: l === 0 ? [] : Array.from({ length: w }, (_, j) => (l - 1) * w + j) });
          }
          const last = Array.from({ length: w }, (_, j) => (d - 1) * w + j);
          for (const o of sp.outModels) for (const role of outRoles(sp)) if (sc.offerShape({ workers, out: { model: o, role, preds: last } }, "layered")) any = true;
        }
        if (!any) break;
      }
    }
  }
}

/**
 * Hierarchical fusion: k groups of the same worker multiset, each read by a fuser of model f, the k
 * fusers read by the output (k = 1 is a fan-in refined by one more call).
 */
function enumerateTrees(sc: Scorer): void {
  const sp = sc.space;
  if (!sp.fuser) return;
  multisets(sp.models, Math.min(4, sp.slots), (ms) => {
    let any = false;
    if (ms.length < 2) return true;
    for (const f of sp.models) {
      for (let k = 1; k * (ms.length + 1) <= sp.slots; k++) {
        const workers: Shape["workers"] = [];
        const heads: number[] = [];
        for (let j = 0; j < k; j++) {
          const first = workers.length;
          for (const model of ms) workers.push({ model, role: "assistant", preds: [] });
          workers.push({ model: f, role: "fuser", preds: ms.map((_, i) => first + i) });
          heads.push(workers.length - 1);
        }
        let fits = false;
        for (const o of sp.outModels) for (const role of outRoles(sp)) if (sc.offerShape({ workers, out: { model: o, role, preds: heads } }, "tree")) fits = true;
        if (!fits) break;
        any = true;
      }
    }
    return any;
  });
}

/** Refinement chains: every sequence of up to five worker models, each reading the one before, then the output. */
function enumerateChains(sc: Scorer): void {
  const sp = sc.space;
  const rec = (seq: string[]) => {
    for (const m of sp.models) {
      seq.push(m);
      const workers = seq.map((model, i) => ({ model, role: "assistant" as Role, preds: i === 0 ? [] : [i - 1] }));
      let fits = false;
      for (const o of sp.outModels) if (sc.offerShape({ workers, out: { model: o, role: "assistant", preds: [seq.length - 1] } }, "chain")) fits = true;
      if (fits && seq.length < Math.min(5, sp.slots)) rec(seq);
      seq.pop();
    }
  };
  rec([]);
}

const clone = (g: Genome): Genome => ({ models: [...g.models], roles: [...g.roles], edges: [...g.edges], toOut: [...g.toOut], outModel: g.outModel, outRole: g.outRole });

/** One random edit of a (normalised) genome. */
function mutate(sp: SearchSpace, parent: Genome, rng: Rng): Genome {
  const g = clone(parent);
  const n = sp.slots;
  const active = g.models.flatMap((m, i) => (m === null ? [] : [i]));
  const free = g.models.flatMap((m, i) => (m === null ? [i] : []));
  const kind = rng.int(8);
  if (kind === 0 && active.length > 0) g.models[rng.pick(active)] = rng.pick(sp.models);
  else if (kind === 1 && sp.outModels.length > 1) g.outModel = rng.pick(sp.outModels);
  else if (kind === 2) {
    const i = rng.int(active.length + 1);
    if (i === active.length) g.outRole = g.outRole === "fuser" ? "assistant" : "fuser";
    else g.roles[active[i]!] = g.roles[active[i]!] === "fuser" ? "assistant" : "fuser";
  } else if (kind === 3 && free.length > 0) {
    // A new node: reads some earlier nodes, answers into a later node or the output.
    const s = rng.pick(free);
    g.models[s] = rng.pick(sp.models);
    g.roles[s] = rng.bernoulli(0.5) ? "fuser" : "assistant";
    for (const i of active) if (i < s && rng.bernoulli(0.3)) g.edges[sp.edgeIndex(i, s)] = true;
    const later = active.filter((j) => j > s);
    if (later.length > 0 && rng.bernoulli(0.5)) g.edges[sp.edgeIndex(s, rng.pick(later))] = true;
    else g.toOut[s] = true;
  } else if (kind === 4 && active.length > 0) g.models[rng.pick(active)] = null;
  else if (kind === 5 && active.length > 0) {
    const i = rng.pick(active);
    const later = active.filter((j) => j > i);
    const j = rng.int(later.length + 1);
    if (j === later.length) g.toOut[i] = !g.toOut[i];
    else g.edges[sp.edgeIndex(i, later[j]!)] = !g.edges[sp.edgeIndex(i, later[j]!)];
  } else if (kind === 6 && active.length > 0 && free.length > 0) {
    // Duplicate a node (widen its layer): a free slot after its inputs and before its readers.
    const a = rng.pick(active);
    const preds = active.filter((i) => i < a && g.edges[sp.edgeIndex(i, a)]);
    const succs = active.filter((j) => j > a && g.edges[sp.edgeIndex(a, j)]);
    const lo = preds.length ? Math.max(...preds) : -1;
    const hi = succs.length ? Math.min(...succs) : n;
    const room = free.filter((s) => s > lo && s < hi);
    if (room.length > 0) {
      const s = rng.pick(room);
      g.models[s] = g.models[a]!;
      g.roles[s] = g.roles[a]!;
      for (const i of preds) g.edges[sp.edgeIndex(i, s)] = true;
      for (const j of succs) g.edges[sp.edgeIndex(s, j)] = true;
      g.toOut[s] = g.toOut[a]!;
    }
  } else if (kind === 7) {
    const moved = deeperNeighbours(sp, sp.toGraph(g), rng, 1)[0];
    const mapped = moved ? sp.fromGraph(moved.graph) : undefined;
    if (mapped && "genome" in mapped) return mapped.genome;
  }
  return g;
}

/**
 * Evolution from the best graphs so far: a tournament picks a parent, one to three edits make a
 * child. A child that beats the population's worst on the screening items is measured on
 * `raceItems` before it may replace it, as the population was.
 */
function evolve(sc: Scorer, evals: number, raceItems: number, rng: Rng): void {
  const sp = sc.space;
  const seeds = sc.best(48);
  for (const c of seeds) sc.extend(c, raceItems);
  const pop = sc.best(POPULATION).map((c) => ({ c, genome: sp.normalise(fromGraphOrThrow(sp, c.graph)) }));
  if (pop.length === 0) return;
  let tries = 0;
  const start = sc.evolved;
  while (sc.evolved - start < evals && tries < 10 * evals) {
    tries++;
    const a = rng.pick(pop);
    const b = rng.pick(pop);
    let child = (a.c.screen >= b.c.screen ? a : b).genome;
    const edits = 1 + rng.int(3);
    for (let k = 0; k < edits; k++) child = mutate(sp, child, rng);
    const { candidate } = sc.offer(child, "evolution");
    if (!candidate) continue;
    let worst = 0;
    for (let i = 1; i < pop.length; i++) if (pop[i]!.c.screen < pop[worst]!.c.screen) worst = i;
    if (pop.length >= POPULATION && candidate.screen <= pop[worst]!.c.screen) continue;
    sc.extend(candidate, raceItems);
    const entry = { c: candidate, genome: sp.normalise(child) };
    if (pop.length < POPULATION) pop.push(entry);
    else if (candidate.screen > pop[worst]!.c.screen) pop[worst] = entry;
  }
}

const POPULATION = 16;

function fromGraphOrThrow(sp: SearchSpace, graph: Graph): Genome {
  const m = sp.fromGraph(graph);
  if (!("genome" in m)) throw new Error(`a graph of the space does not map back onto it: ${m.problems.join("; ")}`);
  return m.genome;
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isSafeInteger(v) || v < min) throw new UserError(`${name} must be a whole number of at least ${min}, got ${v}`, { code: "invalid_option", source: `--${name}` });
  return v;
}

/** The best-known graph of a simulated cell; deterministic for its options. */
export function oracle(world: SimWorld, space: SearchSpace, options: OracleOptions = {}): OracleResult {
  const seed = options.seed ?? 0;
  const evals = positiveInt("evals", options.evals ?? 4000, 0);
  const items = positiveInt("items", options.items ?? DEFAULT_TRUTH_ITEMS);
  const screenItems = positiveInt("screen-items", options.screenItems ?? 400);
  const rescoreItems = positiveInt("rescore-items", options.rescoreItems ?? 3000);
  const truthOptions: TruthOptions = { modelMap: options.modelMap, specs: options.specs, unitFlops: options.unitFlops, maxTokens: options.maxTokens };
  const sc = new Scorer(world, space, truthOptions, screenItems);
  enumerateFanIns(sc);
  enumerateLayers(sc);
  enumerateTrees(sc);
  enumerateChains(sc);
  const raceItems = 4 * screenItems;
  if (evals > 0) evolve(sc, evals, raceItems, new Rng(seed, "oracle"));
  // Graphs only screened are ranked beside raced ones on equal terms before the second stage.
  const rescore = options.rescore ?? 64;
  for (const c of sc.best(2 * rescore)) sc.extend(c, raceItems);
  const rescored = sc.best(rescore);
  for (const c of rescored) c.rescored = sc.truth(c.graph, rescoreItems, RESCORE_OFFSET).accuracy;
  const finalists = [...rescored].sort((a, b) => b.rescored! - a.rescored! || (a.hash < b.hash ? -1 : 1)).slice(0, options.finalists ?? 8);
  for (const c of finalists) c.truth = sc.truth(c.graph, items, 0);
  finalists.sort((a, b) => b.truth!.accuracy - a.truth!.accuracy || (a.hash < b.hash ? -1 : 1));
  const best = finalists[0];
  if (!best) throw new UserError("no graph fits the budget in this search space", { code: "budget_too_small", source: "--budget" });
  const shapeOf = (g: Graph) => {
    const t = topology(g);
    return { nodes: g.nodes.length, depth: t.depth, width: t.width };
  };
  return {
    graph: best.graph,
    hash: best.hash,
    family: best.family,
    ...shapeOf(best.graph),
    truth: best.truth!,
    planUnits: space.plan(best.graph).units,
    scored: { total: sc.seen.size, enumerated: sc.enumerated, evolved: sc.evolved, rescored: rescored.length, finalists: finalists.length },
    finalists: finalists.map((c) => ({ hash: c.hash, family: c.family, accuracy: c.truth!.accuracy, stderr: c.truth!.stderr, nodes: c.graph.nodes.length, depth: topology(c.graph).depth })),
    settings: { seed, evals, items, screenItems, rescoreItems },
  };
}

/**
 * Every distinct graph of a (tiny) search space that fits its budget: all genomes, normalised and
 * deduplicated by canonical hash. Exponential in the slots; for checking the oracle on small spaces.
 */
export function enumerateSpace(space: SearchSpace, limit = 200_000): Graph[] {
  const n = space.slots;
  const choices: (string | null)[] = [null, ...space.models];
  const roles: Role[] = space.fuser ? ["assistant", "fuser"] : ["assistant"];
  const edgeCount = space.edgeCount;
  const total = (choices.length * roles.length) ** n * 2 ** edgeCount * 2 ** n * space.outModels.length * roles.length;
  if (total > limit) throw new UserError(`the space has ${total} genomes, more than ${limit}: too large to enumerate`, { code: "space_too_large" });
  const out = new Map<string, Graph>();
  const g = space.emptyGenome();
  const perSlot = choices.length * roles.length;
  for (let code = 0; code < perSlot ** n; code++) {
    let c = code;
    for (let i = 0; i < n; i++) {
      g.models[i] = choices[c % choices.length]!;
      g.roles[i] = roles[Math.floor(c / choices.length) % roles.length]!;
      c = Math.floor(c / perSlot);
    }
    for (let e = 0; e < 2 ** edgeCount; e++) {
      for (let k = 0; k < edgeCount; k++) g.edges[k] = ((e >> k) & 1) === 1;
      for (let t = 0; t < 2 ** n; t++) {
        for (let i = 0; i < n; i++) g.toOut[i] = ((t >> i) & 1) === 1;
        for (const o of space.outModels) {
          for (const r of roles) {
            g.outModel = o;
            g.outRole = r;
            const graph = space.toGraph(g);
            const h = graphHash(graph);
            if (!out.has(h) && space.check(graph).ok) out.set(h, graph);
          }
        }
      }
    }
  }
  return [...out.values()];
}
