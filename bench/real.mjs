// A search on real models, end to end on CPU: Agent-REINFORCE (rule agent) over the project's tiny
// GGUF models on a generated task, through llama.cpp in-process, with real token counts, measured
// latency and real grading. The chosen graph and the best single model that fits the same budget are
// then both evaluated on the held-out test split.
//
//     npm run build && npm run bench:real [-- --world chain|arith] [--quick] [--budgets 20] [--seeds 5] [--evals 800] [--selection-items 50] [--temperature 0.7] [--no-write] [--json]
//
// Two worlds. `chain` (the default): the chain-* models on the multi-step `chain` task, where samples
// slip at different steps and votes and fusers pay (budget 20 by default: the smallest at which the
// best graph beats chain-m alone by 5 points, scripts/measure-chain.mjs). `arith`: the arith-* models on one-step sums,
// where the large model is almost always right and no graph beats it (budgets 6, 12, 18: at 6 it
// does not fit alone). Each world writes its own section of BENCHMARKS.md.
import { join } from "node:path";
import { buildSearch, createExecContext, evaluate, parseSearchConfig, resolvePool, resolveProviders, resolveTask, runSearch } from "tts-graph";
import { loadNodeLlamaCpp } from "tts-graph/gguf";
import { layeredGraph } from "tts-graph/sim";
import { flags, fmtSeconds, machine, machineLine, paired, pct, repoRoot, sectionHead, writeSection } from "./lib/record.mjs";

const WORLDS = {
  // The chain models' fusers pick among candidates; sampled, they would guess where greedy picks (a greedy fuser, as sampling.roles allows).
  chain: { pool: "tiny-chain.yaml", task: "chain", budgets: "20", sampling: { temperature: 0.7, roles: { fuser: { temperature: 0 } } }, section: "real-chain", title: "A search on real tiny models: the chain world" },
  arith: { pool: "tiny-gguf.yaml", task: "arith", budgets: "6,12,18", sampling: undefined, section: "real", title: "A search on real tiny models" },
};
const { get, has } = flags();
const worldName = get("world", "chain");
const world = WORLDS[worldName];
if (!world) {
  process.stderr.write(`--world ${worldName}: expected one of ${Object.keys(WORLDS).join(", ")}\n`);
  process.exit(2);
}
const quick = has("quick");
const write = quick ? has("write") : !has("no-write");
const budgets = get("budgets", quick ? world.budgets.split(",")[0] : world.budgets).split(",").map(Number);
const seeds = Number(get("seeds", quick ? "1" : "5"));
const evals = Number(get("evals", quick ? "300" : "800"));
const testItems = Number(get("test-items", quick ? "200" : "600"));
// Validation items per finalist (the search config's selection.items; its default when not given).
const selectionItems = get("selection-items", undefined);
// Sampling temperature of assistants (the world's, 0.7, unless given).
const temperatureFlag = get("temperature", undefined);
if (temperatureFlag !== undefined) world.sampling = { ...world.sampling, temperature: Number(temperatureFlag) };
const selection = selectionItems === undefined ? undefined : { items: Number(selectionItems) };
const m = machine();
const started = performance.now();

try {
  await loadNodeLlamaCpp();
} catch (err) {
  // The optional package is missing: nothing to measure, and nothing crashed.
  process.stderr.write(`bench:real skipped: ${err.message}\n`);
  process.exit(0);
}

const poolPath = join(repoRoot, "examples", "pools", world.pool);
const task = resolveTask(world.task, {});
const pool = resolvePool(poolPath);
const providers = resolveProviders(pool, { task });
const parts = { task, pool, providers };
const test = task.items("test").slice(0, testItems);
const layout = (g) => {
  const counts = {};
  for (const n of g.nodes) counts[n.model] = (counts[n.model] ?? 0) + 1;
  const edges = g.edges.length ? `, ${g.edges.length} edge${g.edges.length > 1 ? "s" : ""}, output ${g.nodes.find((n) => n.id === g.output).model} (${g.nodes.find((n) => n.id === g.output).role})` : "";
  return `${Object.entries(counts).map(([k, c]) => `${c}x ${k}`).join(" + ")}${edges}`;
};

/** A graph on the test split through the executor (no cache): accuracy, measured units, per-item correctness. */
async function onTest(graph, seed) {
  const ctx = createExecContext({ task, models: pool.pool.models, providers, cache: null, seed, sampling: world.sampling });
  const t0 = performance.now();
  const r = await evaluate(graph, test, ctx, { keepPrompts: false, keepText: false });
  if (r.errored > 0) throw new Error(`${r.errored} of ${r.items} test items errored for ${layout(graph)}`);
  return { accuracy: r.accuracy, units: r.meanUnits, flops: r.meanFlops, latencyMs: r.meanLatencyMs, correct: r.traces.map((t) => t.correct === true), seconds: (performance.now() - t0) / 1000 };
}


/**
 * When the search is repaid: S, the search's graph FLOPs, against B, the cheapest model of the pool
 * (fitting the budget or not) whose lone call is at least as accurate on the test items as the
 * chosen graph. With f_B > f*, after ceil(S / (f_B - f*)) queries; otherwise never, or not estimable.
 */
function breakEven(searchFlops, found, alone) {
  const reach = alone.filter((s) => s.accuracy.rate >= found.accuracy.rate).sort((a, b) => a.flops - b.flops)[0];
  if (!reach) return { text: "not estimable (no single model is as accurate)" };
  if (reach.flops <= found.flops) return { text: `never (${reach.model} alone is as accurate for no more compute)` };
  return { queries: Math.ceil(searchFlops / (reach.flops - found.flops)), text: `${Math.ceil(searchFlops / (reach.flops - found.flops))} queries (against ${reach.model})` };
}

const rows = [];
// Every model alone on the test split, once: the baselines of every budget and of the break-even.
const alone = [];
for (const model of pool.pool.models) alone.push({ model: model.id, graph: layeredGraph(model.id, 1, 1), ...(await onTest(layeredGraph(model.id, 1, 1), 0)) });
for (const budget of budgets) {
  // The baseline: the best model that fits alone (an oracle choice, which favours the baseline).
  const space = buildSearch(parseSearchConfig({ task: world.task, pool: poolPath, budget, cache: false, sampling: world.sampling }), parts).space;
  const singles = alone.filter((s) => space.check(s.graph).ok);
  const single = singles.reduce((a, b) => (b.accuracy.rate > a.accuracy.rate ? b : a));
  for (let seed = 0; seed < seeds; seed++) {
    const config = parseSearchConfig({ task: world.task, pool: poolPath, budget, evals, seed, cache: false, sampling: world.sampling, ...(selection ? { selection } : {}) });
    const t0 = performance.now();
    const result = await runSearch(buildSearch(config, parts));
    const searchSeconds = (performance.now() - t0) / 1000;
    // The same sampling seed as the baseline: the same graph gives the same answers, item by item.
    const found = await onTest(result.best.graph, 0);
    const vs = paired(found.correct, single.correct);
    const unitFlops = found.flops / found.units;
    const searchUnits = result.cost.graphFlops / unitFlops;
    rows.push({ budget, seed, searchSeconds, searchUnits, breakEven: breakEven(result.cost.graphFlops, found, alone), evals: result.cost.evals.total, calls: result.cost.graphCalls, graph: result.best.graph, layout: layout(result.best.graph), planUnits: result.best.plan.units, found, single: { model: single.model, accuracy: single.accuracy, units: single.units, planUnits: space.plan(single.graph).units }, vs });
    process.stderr.write(`budget ${budget} seed ${seed}: ${layout(result.best.graph)}, test ${pct(found.accuracy.rate)} vs ${single.model} ${pct(single.accuracy.rate)} (search ${fmtSeconds(searchSeconds)})\n`);
  }
}
const seconds = (performance.now() - started) / 1000;

const models = pool.pool.models.map((x) => x.id);
const L = [];
L.push(...sectionHead(world.title, "npm run build && npm run bench:real" + (worldName === "chain" ? "" : ` -- --world ${worldName}`) + (quick ? (worldName === "chain" ? " -- --quick" : " --quick") : ""), `${machineLine(m)} The script took ${fmtSeconds(seconds)} in all.`));
L.push(
  `Agent-REINFORCE with the rule agent on the pool \`examples/pools/${world.pool}\` (${models.join(", ")}: llama.cpp in-process, one thread each) and the generated \`${world.task}\` task; ${evals} graph-item evaluations per search (probes, pretest and selection included${selection ? `; up to ${selection.items} validation items per finalist` : ""}), no response cache, sampling temperature ${world.sampling?.temperature ?? 0.7}${world.sampling?.roles?.fuser ? ` (fusers ${world.sampling.roles.fuser.temperature === 0 ? "greedy" : `at ${world.sampling.roles.fuser.temperature}`})` : ""}. ` +
    `Each chosen graph and the best single model that fits the same budget (every fitting model run on the test split, the best kept: an oracle choice, which favours the baseline) are evaluated on the same ${test.length} held-out test items. ` +
    `Units are measured FLOPs (real token counts) divided by one ${models[0]} call; the difference is paired, item by item, with its 95% interval. ` +
    "Search cost is the FLOPs of every graph evaluation the search made, in units; break-even is when that is repaid by running the chosen graph instead of the cheapest model of the pool (fitting the budget or not) whose lone call is as accurate on the test items: ceil(search FLOPs / (its FLOPs per query - the graph's)) queries.",
);
L.push("");
L.push(`Each model alone on the test split (one sample at temperature ${world.sampling?.temperature ?? 0.7}): ${alone.map((s) => `${s.model} ${pct(s.accuracy.rate)} at ${s.units.toFixed(1)} units`).join(", ")}.`);
L.push("");
L.push("| budget | seed | search time | evals (calls) | search cost, units | chosen graph | planned units | test accuracy % (95% CI) | test units | best single model: test accuracy % (units) | difference, points (95% CI) | break-even |");
L.push("|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  const a = r.found.accuracy;
  L.push(
    `| ${r.budget} | ${r.seed} | ${fmtSeconds(r.searchSeconds)} | ${r.evals} (${r.calls}) | ${Math.round(r.searchUnits)} (${Math.round(r.searchUnits / r.found.units)} queries of the graph) | ${r.layout} | ${r.planUnits.toFixed(1)} | ${pct(a.rate)} (${pct(a.low)}-${pct(a.high)}) | ${r.found.units.toFixed(1)} | ${r.single.model}: ${pct(r.single.accuracy.rate)} (${r.single.units.toFixed(1)}) | ${pct(r.vs.diff)} (${pct(r.vs.low)} to ${pct(r.vs.high)}) | ${r.breakEven.text} |`,
  );
}
L.push("");
for (const budget of budgets) {
  const rs = rows.filter((r) => r.budget === budget);
  const better = rs.filter((r) => r.vs.low > 0).length;
  const worse = rs.filter((r) => r.vs.high < 0).length;
  const same = rs.length - better - worse;
  L.push(
    `- Budget ${budget}: the searched graph is better than the best single model beyond the interval in ${better} of ${rs.length} seeds, worse beyond it in ${worse}, and not distinguishable in ${same}.` +
      (better === 0 ? " The search does not beat the best single model here." : ""),
  );
}
const md = L.join("\n");
if (has("json")) console.log(JSON.stringify({ machine: m, seconds, budgets, seeds, evals, rows: rows.map(({ found, ...r }) => ({ ...r, found: { accuracy: found.accuracy, units: found.units, latencyMs: found.latencyMs } })) }, null, 2));
else console.log(md);
if (write) {
  writeSection(world.section, md, undefined, "real");
  process.stderr.write("wrote its section of BENCHMARKS.md\n");
}
process.stderr.write(`bench:real took ${fmtSeconds(seconds)}\n`);
