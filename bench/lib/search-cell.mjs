// One search run of the search benchmark, and the fixed test-time-scaling baselines of a cell, both
// scored by the simulator's ground truth. Runs inside a worker thread (see bench/search.mjs).
import { buildSearch, parseSearchConfig, resolvePool, resolveProviders, resolveTask, runSearch } from "tts-graph";
import { buildSpace, OPTIMIZER_NAMES } from "tts-graph/search";
import { compileGraph, layeredGraph, runCompiled, RunScratch } from "tts-graph/sim";

/**
 * The methods compared. Agent-REINFORCE's ablations are registered optimizers when the build has
 * them (`agent-reinforce-no-insights`, ...); otherwise the same optimizer with the option changed
 * (see src/search/optimizers/agent-reinforce.ts): `insights: false`, `init: "random"`, and the search
 * space without the fuser role.
 */
const ABLATIONS = {
  "agent-reinforce-no-insights": { optimizerOptions: { insights: false } },
  "agent-reinforce-random-init": { optimizerOptions: { init: "random" } },
  "agent-reinforce-no-fuser": { space: { fuser: false } },
};
export const VARIANTS = {
  "agent-reinforce": { optimizer: "agent-reinforce" },
  ...Object.fromEntries(
    Object.entries(ABLATIONS).map(([name, how]) => [name, OPTIMIZER_NAMES.includes(name) ? { optimizer: name, registered: true } : { optimizer: "agent-reinforce", ...how, registered: false }]),
  ),
  reinforce: { optimizer: "reinforce" },
  random: { optimizer: "random" },
  tpe: { optimizer: "tpe" },
  evolution: { optimizer: "evolution" },
};

export const OBJECTIVES = {
  accuracy: { kind: "accuracy" },
  // The CLI's `--objective latency`: one point of accuracy per ten seconds of mean latency.
  latency: { kind: "latency", weightPerSecond: 0.01 },
};

/** The value a run is judged by under an objective, from ground truth. */
export function utility(objective, t) {
  return objective === "latency" ? t.accuracy - OBJECTIVES.latency.weightPerSecond * (t.latencyMs / 1000) : t.accuracy;
}

const partsCache = new Map();
/**
 * Task, pool and providers of a job. `seed` is the world's seed: seed s of a method searches items
 * drawn by seed s (and validates on them), so the spread over seeds includes the draw of items. A
 * world's seed changes its random draws, never its numbers, so every seed's world has the same
 * ground truth, measured on world 0's population items.
 */
function partsFor(task, pool = "sim:llama", seed = 0) {
  const key = `${task}|${pool}|${seed}`;
  let p = partsCache.get(key);
  if (!p) {
    const t = resolveTask(task, { seed });
    const loaded = resolvePool(pool);
    p = { task: t, pool: loaded, providers: resolveProviders(loaded, { task: t }) };
    partsCache.set(key, p);
  }
  return p;
}

const truthCache = new Map();
/** Ground truth of a graph (the same population items for every graph, so differences are paired). */
export function truthOf(task, graph, items) {
  // Keyed by the graph as written, not its hash: the simulator draws each node's answers by its id,
  // so graphs with one hash but other node ids differ slightly, and a cache shared by the jobs of a
  // worker would make a job's figures depend on which jobs ran before it.
  const key = `${task}|${items}|${JSON.stringify(graph)}`;
  let t = truthCache.get(key);
  if (!t) {
    const r = partsFor(task).task.truth(graph, { items });
    t = { accuracy: r.accuracy, stderr: r.stderr, latencyMs: r.meanLatencyMs, units: r.meanUnits };
    truthCache.set(key, t);
  }
  return t;
}

export function configFor(job) {
  const v = VARIANTS[job.variant];
  if (!v) throw new Error(`unknown method ${job.variant}`);
  return parseSearchConfig({
    task: job.task,
    pool: job.pool ?? "sim:llama",
    budget: job.budget,
    evals: job.evals,
    seed: job.seed,
    optimizer: v.optimizer,
    objective: OBJECTIVES[job.objective],
    optimizerOptions: v.optimizerOptions ?? {},
    space: v.space ?? {},
  });
}

/**
 * The harness's evaluator on the simulator's compiled fast path (the code behind ground truth): the
 * same simulated calls the executor makes through the sim provider, item for item, without rendering
 * prompts and texts. `checkEvaluators` compares the two on whole runs.
 */
export function fastEvaluator(task) {
  const world = task.world;
  const compiled = new Map();
  return async (graph, items) => {
    const key = JSON.stringify(graph);
    let c = compiled.get(key);
    if (!c) {
      const g = compileGraph(world, graph);
      c = { g, scratch: new RunScratch(g.n) };
      compiled.set(key, c);
    }
    return items.map((it) => {
      const index = world.parseItemId(it.id);
      if (index === undefined) throw new Error(`item ${it.id} is not an item of ${task.id}`);
      const r = runCompiled(world, c.g, index, c.scratch);
      return { itemId: it.id, correct: r.correct, errored: false, flops: r.flops, latencyMs: r.latencyMs, dollars: undefined, calls: r.calls };
    });
  };
}

/** One search run: the chosen graph's ground truth, and the ground truth of the run's leader after every iteration. */
export async function runJob(job) {
  if (job.kind === "check") {
    // The same run through the executor (prompts, sim provider, texts, grading) and the fast path.
    const a = await runJob({ ...job, kind: "run", evaluator: "executor" });
    const b = await runJob({ ...job, kind: "run", evaluator: "fast" });
    const key = (r) => JSON.stringify([r.hash, r.curve.map((c) => [c.evals, c.hash]), r.validation, r.evalsUsed]);
    return { ...job, identical: key(a) === key(b), executorSeconds: a.seconds, fastSeconds: b.seconds };
  }
  const t0 = performance.now();
  const parts = partsFor(job.task, job.pool, job.seed);
  const setup = buildSearch(configFor(job), parts);
  if (job.evaluator === "fast") setup.evaluator = fastEvaluator(parts.task);
  const graphs = new Map();
  let finalists = [];
  const sink = {
    onEvent(e) {
      if (e.type === "graph.proposed" && !graphs.has(e.hash)) graphs.set(e.hash, e.graph);
      if (e.type === "selection") finalists = e.candidates.map((c) => c.hash);
    },
  };
  const result = await runSearch(setup, { sink });
  const chosen = truthOf(job.task, result.best.graph, job.truthItems);
  const reach = job.objective === "accuracy" ? reachOf(job, graphs, finalists) : null;
  // The leader after each iteration: the graph the run ranks first on its search items so far.
  const curve = [];
  for (const c of result.curve) {
    if (!c.bestHash || !graphs.has(c.bestHash)) continue;
    const prev = curve[curve.length - 1];
    if (prev && prev.hash === c.bestHash) {
      prev.last = c.evals;
      continue;
    }
    const t = truthOf(job.task, graphs.get(c.bestHash), job.curveItems);
    curve.push({ evals: c.evals, last: c.evals, hash: c.bestHash, accuracy: t.accuracy, latencyMs: t.latencyMs });
  }
  return {
    ...job,
    hash: result.best.hash,
    graph: result.best.graph,
    nodes: result.best.nodes,
    width: result.best.width,
    depth: result.best.depth,
    accuracy: chosen.accuracy,
    latencyMs: chosen.latencyMs,
    units: chosen.units,
    validation: result.best.validation?.accuracy ?? null,
    evalsUsed: result.cost.evals.total,
    searchEvals: result.cost.evals.total - result.cost.evals.selection,
    curve,
    reach,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Where a run's gap comes from: the true accuracy of the best graph it ever proposed (screened on
 * 1,000 items, the best three re-scored on the curve's items, so the maximum is not a lucky draw)
 * and of the best graph it offered to its final selection (on the chosen graph's items). The chosen graph is at most as good as
 * the best finalist, which is at most as good as the best proposal.
 */
function reachOf(job, graphs, finalists) {
  const screened = [...graphs.values()].map((g) => ({ g, a: truthOf(job.task, g, 1000).accuracy })).sort((a, b) => b.a - a.a);
  // Finalists on the chosen graph's items (it is one of them); a finalist is a proposal too.
  const offered = finalists.filter((h) => graphs.has(h)).map((h) => truthOf(job.task, graphs.get(h), job.truthItems).accuracy);
  const finalist = offered.length > 0 ? Math.max(...offered) : null;
  const proposed = Math.max(finalist ?? -Infinity, ...screened.slice(0, 3).map((x) => truthOf(job.task, x.g, job.curveItems).accuracy));
  return { proposed, finalist, graphs: graphs.size };
}

const node = (id, model, role = "assistant") => ({ id, role, model });

/** G(w, 1): w samples of one model fused by the same model (self-consistency with a fuser). */
function selfConsistency(model, w) {
  return layeredGraph(model, w, 1);
}

/**
 * A fixed mixture-of-agents layout (Wang et al. 2024): `layers` layers of `k` proposers, the pool's
 * models taken in turn from the cheapest, each layer reading every answer of the layer before, and
 * one aggregator (a fuser) reading the last layer.
 */
function mixtureOfAgents(models, k, layers, aggregator) {
  const nodes = [];
  const edges = [];
  let prev = [];
  for (let l = 1; l <= layers; l++) {
    const cur = [];
    for (let j = 0; j < k; j++) {
      const id = `l${l}p${j + 1}`;
      nodes.push(node(id, models[j % models.length]));
      for (const p of prev) edges.push([p, id]);
      cur.push(id);
    }
    prev = cur;
  }
  nodes.push(node("agg", aggregator, "fuser"));
  for (const p of prev) edges.push([p, "agg"]);
  return { version: 1, name: `moa-${layers}x${k}`, nodes, edges, output: "agg" };
}

const label = (g) => {
  const counts = {};
  for (const n of g.nodes) counts[n.model] = (counts[n.model] ?? 0) + 1;
  return Object.entries(counts)
    .map(([m, c]) => `${c}x${m.replace(/^llama-/, "")}`)
    .join("+");
};

/**
 * The fixed test-time-scaling baselines of a cell, each the largest layout of its kind that fits the
 * budget (checked a priori, as every searched graph is):
 * - best single model: every model that fits alone, the most accurate by ground truth;
 * - self-consistency: w samples of one model and a fuser of the same model (G(w,1)), for every model
 *   and every w that fits; the most accurate by ground truth (an oracle choice of model and w);
 * - mixture of agents: one layer, and two layers, of proposers cycling through the pool from the
 *   cheapest, the widest that fits, with the strongest aggregator that fits; the better of the two
 *   by ground truth.
 */
export function baselines(job) {
  const parts = partsFor(job.task, job.pool);
  const config = parseSearchConfig({ task: job.task, pool: job.pool ?? "sim:llama", budget: job.budget });
  const space = buildSpace(config, parts.task, parts.pool);
  const models = [...parts.pool.pool.models].sort((a, b) => a.params - b.params).map((m) => m.id);
  const fits = (g) => space.check(g).ok;
  // Candidates are screened on fewer items; the chosen one of each kind is then scored like every searched graph.
  const screenItems = Math.min(job.truthItems, 4000);
  const score = (kind, g) => {
    const t = truthOf(job.task, g, screenItems);
    return { kind, layout: label(g), graph: g, planUnits: space.plan(g).units, ...t };
  };
  const best = (xs) => {
    const b = xs.reduce((a, x) => (x.accuracy > a.accuracy ? x : a), xs[0]);
    return { ...b, ...truthOf(job.task, b.graph, job.truthItems) };
  };
  const out = {};
  const singles = models.map((m) => layeredGraph(m, 1, 1)).filter(fits);
  out.single = singles.length ? best(singles.map((g) => score("single", g))) : null;
  const sc = [];
  for (const m of models) for (let w = 2; w <= 32 && fits(selfConsistency(m, w)); w++) sc.push(score("self-consistency", selfConsistency(m, w)));
  out.selfConsistency = sc.length ? best(sc) : null;
  const moa = [];
  const byStrength = [...models].reverse();
  for (const layers of [1, 2]) {
    for (const agg of byStrength) {
      let k = 1;
      while (k < 16 && fits(mixtureOfAgents(models, k + 1, layers, agg))) k++;
      if (k >= 2) {
        moa.push(score("mixture-of-agents", mixtureOfAgents(models, k, layers, agg)));
        break;
      }
    }
  }
  out.moa = moa.length ? best(moa) : null;
  return { ...job, baselines: out };
}
