// A search on real models, end to end on CPU: Agent-REINFORCE (rule agent) over the project's tiny
// GGUF models (examples/pools/tiny-gguf.yaml) on the generated `arith` task, through llama.cpp
// in-process, with real token counts, measured latency and real grading. The chosen graph and the
// best single model that fits the same budget are then both evaluated on the held-out test split.
//
//     npm run build && npm run bench:real [-- --quick] [--budgets 6,12,18] [--seeds 5] [--evals 800] [--no-write] [--json]
//
// Budgets 6, 12 and 18 units by default: at 6 the strongest model (7.2 units) does not fit alone, so
// the compute-optimal question is real (samples of small models against one medium call).
import { join } from "node:path";
import { buildSearch, createExecContext, evaluate, parseSearchConfig, resolvePool, resolveProviders, resolveTask, runSearch } from "tts-graph";
import { loadNodeLlamaCpp } from "tts-graph/gguf";
import { layeredGraph } from "tts-graph/sim";
import { flags, fmtSeconds, machine, machineLine, pct, repoRoot, sectionHead, writeSection } from "./lib/record.mjs";

const { get, has } = flags();
const quick = has("quick");
const write = quick ? has("write") : !has("no-write");
const budgets = get("budgets", quick ? "6" : "6,12,18").split(",").map(Number);
const seeds = Number(get("seeds", quick ? "1" : "5"));
const evals = Number(get("evals", quick ? "300" : "800"));
const testItems = Number(get("test-items", quick ? "200" : "600"));
const m = machine();
const started = performance.now();

try {
  await loadNodeLlamaCpp();
} catch (err) {
  // The optional package is missing: nothing to measure, and nothing crashed.
  process.stderr.write(`bench:real skipped: ${err.message}\n`);
  process.exit(0);
}

const poolPath = join(repoRoot, "examples", "pools", "tiny-gguf.yaml");
const task = resolveTask("arith", {});
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
  const ctx = createExecContext({ task, models: pool.pool.models, providers, cache: null, seed });
  const t0 = performance.now();
  const r = await evaluate(graph, test, ctx, { keepPrompts: false, keepText: false });
  if (r.errored > 0) throw new Error(`${r.errored} of ${r.items} test items errored for ${layout(graph)}`);
  return { accuracy: r.accuracy, units: r.meanUnits, latencyMs: r.meanLatencyMs, correct: r.traces.map((t) => t.correct === true), seconds: (performance.now() - t0) / 1000 };
}

/** Paired difference in accuracy on the same items, with a 95% normal interval. */
function paired(a, b) {
  const d = a.map((x, i) => Number(x) - Number(b[i]));
  const mu = d.reduce((s, x) => s + x, 0) / d.length;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mu) ** 2, 0) / (d.length - 1));
  const half = (1.959964 * sd) / Math.sqrt(d.length);
  return { diff: mu, low: mu - half, high: mu + half };
}

const rows = [];
for (const budget of budgets) {
  // The baseline: every model that fits alone, on the test split; the best of them (an oracle choice).
  const space = buildSearch(parseSearchConfig({ task: "arith", pool: poolPath, budget, cache: false }), parts).space;
  const singles = [];
  for (const model of pool.pool.models) {
    const g = layeredGraph(model.id, 1, 1);
    if (!space.check(g).ok) continue;
    singles.push({ model: model.id, graph: g, ...(await onTest(g, 0)) });
  }
  const single = singles.reduce((a, b) => (b.accuracy.rate > a.accuracy.rate ? b : a));
  for (let seed = 0; seed < seeds; seed++) {
    const config = parseSearchConfig({ task: "arith", pool: poolPath, budget, evals, seed, cache: false });
    const t0 = performance.now();
    const result = await runSearch(buildSearch(config, parts));
    const searchSeconds = (performance.now() - t0) / 1000;
    // The same sampling seed as the baseline: the same graph gives the same answers, item by item.
    const found = await onTest(result.best.graph, 0);
    const vs = paired(found.correct, single.correct);
    rows.push({ budget, seed, searchSeconds, evals: result.cost.evals.total, calls: result.cost.graphCalls, graph: result.best.graph, layout: layout(result.best.graph), planUnits: result.best.plan.units, found, single: { model: single.model, accuracy: single.accuracy, units: single.units, planUnits: space.plan(single.graph).units }, vs });
    process.stderr.write(`budget ${budget} seed ${seed}: ${layout(result.best.graph)}, test ${pct(found.accuracy.rate)} vs ${single.model} ${pct(single.accuracy.rate)} (search ${fmtSeconds(searchSeconds)})\n`);
  }
}
const seconds = (performance.now() - started) / 1000;

const L = [];
L.push(...sectionHead("A search on real tiny models", "npm run build && npm run bench:real" + (quick ? " -- --quick" : ""), `${machineLine(m)} The script took ${fmtSeconds(seconds)} in all.`));
L.push(
  `Agent-REINFORCE with the rule agent on the pool \`examples/pools/tiny-gguf.yaml\` (arith-small, arith-medium, arith-large: llama.cpp in-process, one thread each) and the generated \`arith\` task; ${evals} graph-item evaluations per search (probes, pretest and selection included), no response cache, sampling temperature 0.7. ` +
    `Each chosen graph and the best single model that fits the same budget (every fitting model run on the test split, the best kept: an oracle choice, which favours the baseline) are evaluated on the same ${test.length} held-out test items. ` +
    "Units are measured FLOPs (real token counts) divided by one arith-small call; the difference is paired, item by item, with its 95% interval.",
);
L.push("");
L.push("| budget | seed | search time | evals (calls) | chosen graph | planned units | test accuracy % (95% CI) | test units | best single model: test accuracy % (units) | difference, points (95% CI) |");
L.push("|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  const a = r.found.accuracy;
  L.push(
    `| ${r.budget} | ${r.seed} | ${fmtSeconds(r.searchSeconds)} | ${r.evals} (${r.calls}) | ${r.layout} | ${r.planUnits.toFixed(1)} | ${pct(a.rate)} (${pct(a.low)}-${pct(a.high)}) | ${r.found.units.toFixed(1)} | ${r.single.model}: ${pct(r.single.accuracy.rate)} (${r.single.units.toFixed(1)}) | ${pct(r.vs.diff)} (${pct(r.vs.low)} to ${pct(r.vs.high)}) |`,
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
  writeSection("real", md);
  process.stderr.write("wrote its section of BENCHMARKS.md\n");
}
process.stderr.write(`bench:real took ${fmtSeconds(seconds)}\n`);
