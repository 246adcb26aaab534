#!/usr/bin/env node
// What test-time scaling buys on the `chain` task with the chain-* GGUF models, measured through the
// executor (llama.cpp in-process, real token counts, real grading). Run `npm run build` first;
// prints Markdown (the tables in BENCHMARKS.md).
//
//   node scripts/measure-chain.mjs [--items 600] [--samples 5] [--temperature 0.7] [--fuser-temperature 0] [--budgets 4,8,12,16,24] [--pool examples/pools/tiny-chain.yaml]
//
// On the test split, every model: greedy, one sample, and the vote of k samples (self-consistency:
// the most frequent answer, ties to the earliest sample; no model call for the vote, so its cost is
// k samples). Then graphs: k samples of a model fused by a model (fan-in), and refine (an assistant
// given two samples as references). Units are measured FLOPs divided by one chain-xs call. For each
// budget, the best graph that fits against the best single model that fits (one sample at the
// temperature, as every search call), paired item by item with a 95% interval.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createExecContext, evaluate, resolvePool, resolveProviders, resolveTask } from "tts-graph";
import { layeredGraph } from "tts-graph/sim";
import { paired, pct } from "../bench/lib/record.mjs";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "600" },
    samples: { type: "string", default: "5" },
    temperature: { type: "string", default: "0.7" },
    budgets: { type: "string", default: "4,8,12,16,24" },
    "fuser-temperature": { type: "string", default: "0" },
    pool: { type: "string", default: "examples/pools/tiny-chain.yaml" },
  },
});
const k = Number(values.samples);
const temperature = Number(values.temperature);
const fuserTemperature = Number(values["fuser-temperature"]);
const budgets = values.budgets.split(",").map(Number);

const root = fileURLToPath(new URL("..", import.meta.url));
const task = resolveTask("chain", {});
const pool = resolvePool(resolve(root, values.pool));
const providers = resolveProviders(pool, { task });
const models = pool.pool.models.map((m) => m.id);
const items = task.items("test").slice(0, Number(values.items));
const t0 = performance.now();

/** A graph on the items at a temperature and run seed: per-item answers and correctness, mean units. */
async function run(graph, temp, seed = 0) {
  const ctx = createExecContext({ task, models: pool.pool.models, providers, cache: null, seed, sampling: { temperature: temp, roles: { fuser: { temperature: temp === 0 ? 0 : fuserTemperature } } } });
  const r = await evaluate(graph, items, ctx, { keepPrompts: false, keepText: false });
  if (r.errored > 0) throw new Error(`${r.errored} of ${r.items} items errored`);
  return { rate: r.accuracy.rate, units: r.meanUnits, correct: r.traces.map((t) => t.correct === true), answers: r.traces.map((t) => t.answer) };
}

function plurality(answers) {
  const counts = new Map();
  let best = null;
  for (const a of answers) {
    if (a === null) continue;
    counts.set(a, (counts.get(a) ?? 0) + 1);
    if (best === null || counts.get(a) > counts.get(best)) best = a;
  }
  return best;
}


const fanIn = (model, width, fuser) => {
  const g = layeredGraph(model, width, 1);
  return { ...g, name: `${width}x ${model} -> ${fuser}`, nodes: g.nodes.map((n) => (n.role === "fuser" ? { ...n, model: fuser } : n)) };
};
const refine = (model, from) => ({
  version: 1,
  name: `2x ${from} -> refine ${model}`,
  nodes: [{ id: "a", role: "assistant", model: from }, { id: "b", role: "assistant", model: from }, { id: "r", role: "assistant", model }],
  edges: [["a", "r"], ["b", "r"]],
  output: "r",
});

console.log(`chain test split, ${items.length} items; sampling temperature ${temperature}, ${k} samples per model\n`);
console.log(`| model | params | greedy | one sample | vote of 3 | vote of ${k} | any of ${k} right | units per call |`);
console.log("|---|---|---|---|---|---|---|---|");
const singles = [];
const rows = [];
for (const m of pool.pool.models) {
  const greedy = await run(layeredGraph(m.id, 1, 1), 0);
  const samples = [];
  for (let s = 0; s < k; s++) samples.push(await run(layeredGraph(m.id, 1, 1), temperature, s));
  const vote = (n) => items.map((it, j) => plurality(samples.slice(0, n).map((s) => s.answers[j])) === it.answer);
  const rate = (c) => c.filter(Boolean).length / c.length;
  const one = samples.reduce((t, s) => t + s.rate, 0) / k;
  const any = items.filter((it, j) => samples.some((s) => s.answers[j] === it.answer)).length / items.length;
  console.log(`| ${m.id} | ${m.params} | ${pct(greedy.rate)} | ${pct(one)} | ${pct(rate(vote(3)))} | ${pct(rate(vote(k)))} | ${pct(any)} | ${samples[0].units.toFixed(2)} |`);
  singles.push({ name: `${m.id} alone`, ...samples[0] });
  rows.push({ name: `vote of 3 ${m.id} (no fuser call)`, units: 3 * samples[0].units, correct: vote(3), rate: rate(vote(3)), vote: true });
  rows.push({ name: `vote of ${k} ${m.id} (no fuser call)`, units: k * samples[0].units, correct: vote(k), rate: rate(vote(k)), vote: true });
}

const graphs = [];
for (const model of models) for (const width of [3, 5]) for (const fuser of models) graphs.push(fanIn(model, width, fuser));
for (const model of models) for (const from of models) graphs.push(refine(model, from));
for (const g of graphs) rows.push({ name: g.name, ...(await run(g, temperature)) });

console.log(`\nGraphs (assistants sampled at ${temperature}, fusers at ${fuserTemperature}), by units:\n`);
console.log("| graph | units | accuracy % |");
console.log("|---|---|---|");
for (const r of [...singles, ...rows].sort((a, b) => a.units - b.units)) console.log(`| ${r.name} | ${r.units.toFixed(1)} | ${pct(r.rate)} |`);

console.log("\nAt equal compute: the best graph within each budget against the best single model within it (paired, 95% interval):\n");
console.log("| budget (units) | best single model | best graph | graph units | difference, points (95% CI) |");
console.log("|---|---|---|---|---|");
for (const b of budgets) {
  const fit = singles.filter((s) => s.units <= b);
  const gfit = rows.filter((r) => r.units <= b && !r.vote);
  if (fit.length === 0 || gfit.length === 0) continue;
  const single = fit.reduce((x, y) => (y.rate > x.rate ? y : x));
  const graph = gfit.reduce((x, y) => (y.rate > x.rate ? y : x));
  const d = paired(graph.correct, single.correct);
  console.log(`| ${b} | ${single.name}: ${pct(single.rate)} | ${graph.name}: ${pct(graph.rate)} | ${graph.units.toFixed(1)} | ${pct(d.diff)} (${pct(d.low)} to ${pct(d.high)}) |`);
}
console.log(`\nMeasured in ${((performance.now() - t0) / 1000).toFixed(0)} s.`);
