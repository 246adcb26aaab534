// The paper's comparison in the simulator: every search method, several seeds, equal search cost
// (the same number of graph-item evaluations, probes, pretests and selection included), scored by
// the simulator's ground truth. Prints one Markdown table per task and budget, and a summary.
//
//     npm run build && node bench/search-compare.mjs [--tasks sim:math,sim:mmlu,sim:humaneval]
//         [--budgets 18,42,80] [--seeds 5] [--evals 800] [--optimizers a,b,...] [--truth-items 20000]
//         [--perturb N] [--json]
//
// `--perturb N` also runs N perturbed copies of each built-in profile (abilities, reference use,
// fragility, context tolerance and difficulty jittered with a seeded stream), written to a temporary
// folder: simulated tasks the methods were never developed on.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { builtinSimProfile, parseSearchConfig, resolveProviders, runCompare, Rng } from "../dist/index.js";
import { resolvePool, resolveTask } from "../dist/resolve.js";

const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const tasks = arg("tasks", "sim:math,sim:mmlu,sim:humaneval").split(",");
const budgets = arg("budgets", "18,42,80").split(",").map(Number);
const seeds = Number(arg("seeds", "5"));
const evals = Number(arg("evals", "800"));
const optimizers = arg("optimizers", "agent-reinforce,random,tpe,reinforce,evolution").split(",");
const truthItems = Number(arg("truth-items", "20000"));
const perturb = Number(arg("perturb", "0"));
const json = argv.includes("--json");
const perturbOnly = argv.includes("--perturb-only");

/** A profile with every model's behaviour and the item difficulty jittered. */
function perturbed(name, k) {
  const p = structuredClone(builtinSimProfile(name));
  const rng = new Rng(k, "perturb", name);
  const jitter = (x, sd) => x + sd * rng.normal();
  p.name = `${name}_p${k}`;
  p.task.difficulty.mean = jitter(p.task.difficulty.mean, 0.3);
  for (const m of p.models) {
    m.ability = jitter(m.ability, 0.35);
    m.referenceUse = jitter(m.referenceUse, 0.4);
    m.fragility = Math.max(0, m.fragility * Math.exp(0.4 * rng.normal()));
    m.contextTokens = m.contextTokens * Math.exp(0.3 * rng.normal());
  }
  p.behaviour.follow.assistant = Math.min(1, Math.max(0, jitter(p.behaviour.follow.assistant, 0.1)));
  p.behaviour.follow.fuser = Math.min(1, Math.max(0, jitter(p.behaviour.follow.fuser, 0.1)));
  return p;
}

const cells = [];
let dir;
const taskList = perturbOnly ? [] : [...tasks];
if (perturb > 0) {
  dir = mkdtempSync(join(tmpdir(), "tts-graph-profiles-"));
  for (const t of tasks) {
    const name = t.replace(/^sim:/, "");
    for (let k = 1; k <= perturb; k++) {
      const file = join(dir, `${name}_p${k}.json`);
      writeFileSync(file, JSON.stringify(perturbed(name, k)));
      taskList.push(`sim:${file}`);
    }
  }
}

const started = Date.now();
try {
  for (const task of taskList) {
    for (const budget of budgets) {
      const base = parseSearchConfig({ task, budget, evals });
      const t = resolveTask(task, {});
      // Perturbed profiles bring their own models; the built-in tasks use the sim:llama pool.
      const pool = task.includes("/") ? resolvePool(`sim:${task.slice(4)}`) : resolvePool(base.pool);
      const kept = { ...pool, pool: { ...pool.pool, models: pool.pool.models.filter((m) => m.family === "llama") } };
      const parts = { task: t, pool: kept, providers: resolveProviders(kept, { task: t }) };
      const t0 = Date.now();
      const r = await runCompare({ optimizers, seeds, base: { ...base, pool: kept.source }, parts, truthItems });
      const label = task.includes("/") ? `sim:${task.split("/").pop().replace(/\.json$/, "")}` : task;
      cells.push({ task: label, budget, seconds: (Date.now() - t0) / 1000, rows: r.rows, best: { accuracy: r.best.accuracy, optimizer: r.best.optimizer, seed: r.best.seed, hash: r.best.hash } });
      process.stderr.write(`${label} budget ${budget}: ${r.rows.map((x) => `${x.optimizer} ${(100 * x.mean).toFixed(1)}`).join(", ")} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  }
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

const pct = (x) => (100 * x).toFixed(1);
if (json) {
  console.log(JSON.stringify({ seeds, evals, truthItems, optimizers, cells, cores: cpus().length, node: process.version, seconds: (Date.now() - started) / 1000 }, null, 2));
} else {
  console.log(`Seeds 0..${seeds - 1}; ${evals} graph-item evaluations per run; mean true accuracy (%) of the chosen graph by the simulator's ground truth (${truthItems} items), ± std over seeds [min-max].`);
  console.log("");
  console.log(`| task | budget | ${optimizers.join(" | ")} | best found |`);
  console.log(`|---|---|${optimizers.map(() => "---").join("|")}|---|`);
  for (const c of cells) {
    const top = Math.max(...c.rows.map((r) => r.mean));
    const cellsText = c.rows.map((r) => {
      const s = `${pct(r.mean)} ± ${pct(r.std)} [${pct(r.min)}-${pct(r.max)}]`;
      return r.mean === top ? `**${s}**` : s;
    });
    console.log(`| ${c.task} | ${c.budget} | ${cellsText.join(" | ")} | ${pct(c.best.accuracy)} (${c.best.optimizer}) |`);
  }
  const wins = cells.filter((c) => c.rows[0].mean >= Math.max(...c.rows.slice(1).map((r) => r.mean))).length;
  console.log("");
  console.log(`${optimizers[0]} at or above every other method in ${wins} of ${cells.length} cells. Machine: ${cpus().length} cores, Node ${process.version}; ${((Date.now() - started) / 1000).toFixed(0)} s.`);
}
