// The paper's comparison in the simulator, in full: every search method that needs no LLM
// (Agent-REINFORCE with the rule agent, its three ablations, REINFORCE, random search, TPE, evolution),
// several seeds each at equal search cost (the same number of graph-item evaluations, probes,
// pretests and selection included), for the accuracy objective and the accuracy/latency objective;
// and the fixed test-time-scaling baselines (best single model, self-consistency, mixture of agents)
// at the same budget. Every chosen graph is scored by the simulator's ground truth.
//
//     npm run build && npm run bench:search                  (full; rewrites its section of BENCHMARKS.md)
//     npm run build && npm run bench:search -- --quick       (CI: a few runs, under two minutes; CI also
//                                                            runs it with --perturb 1 --perturb-only)
//
// Options: --tasks sim:math,... --budgets 18,42,80 --seeds N --evals N --methods a,b,...
//   --objectives accuracy,latency --truth-items N --curve-items N --workers N --out DIR
//   --write (also in --quick) / --no-write, --json (print the summary as JSON).
//   --perturb N also runs N perturbed copies of each task's profile (bench/lib/perturb.mjs): simulated
//   tasks the methods were never developed on, shown as sim:math_p1, ...; --perturb-only runs just those,
//   into a section of BENCHMARKS.md and result files of their own.
//   and writes them to their own section of BENCHMARKS.md and bench/results/search-perturbed.*.
//   --worlds N (default 20, 0 in --quick) adds the generated worlds of the first N seeds of WORLD_SEEDS
//   (bench/lib/perturb.mjs; fixed after the methods were), each with all its models as its pool, accuracy
//   objective, reported as an aggregate. --anytime 200,400,... are the evaluations at which the leader's
//   true accuracy is reported; --anytime-evals N (default --evals) runs every method (or those of
//   --anytime-methods a,b) N evaluations long
//   for those columns when N exceeds --evals. Every cell's oracle (`tts-graph sim oracle`) is computed
//   once and kept in OUT/oracle/ (bench/results/oracle/ for a full run); --oracle-evals N sets its
//   evolution stage (default 4,000, the CLI's).
// Exits non-zero only when a run crashed, never because of a time or a ranking.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { join as joinPath } from "node:path";
import { oracleFor, ORACLE_DEFAULTS } from "./lib/oracle.mjs";
import { taskLabel, WORLD_SEEDS, writePerturbed, writeWorlds } from "./lib/perturb.mjs";
import { baselines, runJob, utility, VARIANTS } from "./lib/search-cell.mjs";
import { flags, fmtSeconds, machine, machineLine, pct, renderSvg, repoRoot, sectionHead, writeSection } from "./lib/record.mjs";

async function main() {
  const { get, has } = flags();
  const quick = has("quick");
  const settings = {
    quick,
    tasks: get("tasks", quick ? "sim:math,sim:humaneval" : "sim:math,sim:mmlu,sim:humaneval").split(","),
    budgets: get("budgets", quick ? "18" : "18,42,80").split(",").map(Number),
    seeds: Number(get("seeds", quick ? "2" : "30")),
    evals: Number(get("evals", quick ? "400" : "800")),
    methods: get("methods", Object.keys(VARIANTS).join(",")).split(","),
    objectives: get("objectives", "accuracy,latency").split(","),
    truthItems: Number(get("truth-items", quick ? "4000" : "20000")),
    curveItems: Number(get("curve-items", quick ? "2000" : "5000")),
    workers: Number(get("workers", String(Math.max(1, Math.min(2, cpus().length))))),
    evaluator: get("evaluator", "fast"),
    checks: Number(get("checks", quick ? "2" : "6")),
    perturb: Number(get("perturb", "0")),
    perturbOnly: has("perturb-only"),
    // Generated worlds (bench/lib/perturb.mjs WORLD_SEEDS), accuracy objective, each its own pool.
    worlds: Number(get("worlds", quick ? "0" : "20")),
    // The leader's true accuracy at these evaluations; from runs of --anytime-evals when it exceeds --evals.
    anytime: get("anytime", "200,400,800,1600,3200").split(",").map(Number),
    anytimeEvals: Number(get("anytime-evals", get("evals", quick ? "400" : "800"))),
    // The methods given the longer runs (default: every method).
    anytimeMethods: get("anytime-methods", "").split(",").filter(Boolean),
    // The oracle (`tts-graph sim oracle`) of every cell; --quick uses a cheap one, since it only checks for crashes.
    oracle: quick ? { ...ORACLE_DEFAULTS, evals: 100, items: 2000 } : { ...ORACLE_DEFAULTS, evals: Number(get("oracle-evals", String(ORACLE_DEFAULTS.evals))) },
    // The command as run, for the record (where results go is not part of it).
    args: process.argv.slice(2).filter((a, i, all) => !["--write", "--no-write", "--json", "--out"].includes(a) && all[i - 1] !== "--out"),
  };
  for (const m of settings.methods) if (!VARIANTS[m]) throw new Error(`unknown method ${m}: expected one of ${Object.keys(VARIANTS).join(", ")}`);
  const perturbed = settings.perturb > 0 ? writePerturbed(settings.tasks, settings.perturb) : undefined;
  const worlds = settings.worlds > 0 && !settings.perturbOnly ? writeWorlds(settings.worlds) : undefined;
  settings.worldSeeds = WORLD_SEEDS.slice(0, worlds ? settings.worlds : 0);
  // Jobs name a task by what resolves it (a perturbed profile's temporary file); results and tables by its label.
  const taskSpecs = [...(settings.perturbOnly ? [] : settings.tasks), ...(perturbed?.specs ?? [])];
  const worldSpecs = worlds?.specs ?? [];
  settings.tasks = taskSpecs.map(taskLabel);
  settings.worldTasks = worldSpecs.map(taskLabel);
  // A generated world is its own pool (all its models); the others run with sim:llama.
  const poolOf = (spec) => (worldSpecs.includes(spec) ? spec : "sim:llama");
  const write = quick ? has("write") : !has("no-write");
  const outDir = get("out", quick && !write ? mkdtempSync(join(tmpdir(), "tts-graph-bench-")) : join(repoRoot, "bench", "results"));
  const oracleDir = joinPath(outDir, "oracle");
  const m = machine();
  const started = performance.now();

  // Jobs, the slowest kinds first so the pool stays busy to the end.
  const jobs = [];
  for (const task of [...taskSpecs, ...worldSpecs]) for (const budget of settings.budgets) jobs.push({ kind: "oracle", task, pool: poolOf(task), budget, settings: settings.oracle, dir: oracleDir });
  for (const task of [...taskSpecs, ...worldSpecs]) for (const budget of settings.budgets) jobs.push({ kind: "baselines", task, pool: poolOf(task), budget, truthItems: settings.truthItems });
  // A few runs made both ways, through the executor and the fast path: they must agree exactly.
  const checkJobs = [];
  for (let k = 0; k < settings.checks; k++) {
    checkJobs.push({ kind: "check", task: taskSpecs[k % taskSpecs.length], budget: settings.budgets[k % settings.budgets.length], objective: settings.objectives[k % settings.objectives.length], variant: settings.methods[k % settings.methods.length], seed: k, evals: settings.evals, truthItems: 1000, curveItems: 1000 });
  }
  jobs.push(...checkJobs);
  const run = (task, budget, objective, variant, seed, evals, anytime = false) => ({ kind: "run", task, pool: poolOf(task), budget, objective, variant, seed, evals, anytime, truthItems: settings.truthItems, curveItems: settings.curveItems, evaluator: settings.evaluator });
  for (const budget of [...settings.budgets].sort((a, b) => b - a)) {
    for (const task of taskSpecs) for (const objective of settings.objectives) for (const variant of settings.methods) for (let seed = 0; seed < settings.seeds; seed++) jobs.push(run(task, budget, objective, variant, seed, settings.evals));
    // Generated worlds: the accuracy objective only.
    for (const task of worldSpecs) for (const variant of settings.methods) for (let seed = 0; seed < settings.seeds; seed++) jobs.push(run(task, budget, "accuracy", variant, seed, settings.evals));
    // Longer runs for the anytime curve, when it reaches past --evals.
    if (settings.anytimeEvals > settings.evals) for (const task of [...taskSpecs, ...worldSpecs]) for (const variant of settings.methods) if (settings.anytimeMethods.length === 0 || settings.anytimeMethods.includes(variant)) for (let seed = 0; seed < settings.seeds; seed++) jobs.push(run(task, budget, "accuracy", variant, seed, settings.anytimeEvals, true));
  }

  let pooled;
  try {
    pooled = await runPool(jobs, settings.workers);
  } finally {
    if (perturbed) rmSync(perturbed.dir, { recursive: true, force: true });
    if (worlds) rmSync(worlds.dir, { recursive: true, force: true });
  }
  const { results, crashes } = pooled;
  for (const r of [...results, ...crashes.map((c) => c.job)]) r.task = taskLabel(r.task);
  const checks = results.filter((r) => r.kind === "check");
  for (const c of checks.filter((x) => !x.identical)) crashes.push({ job: c, error: "the executor and the fast path disagree on this run: the figures would not be the executor's" });
  const seconds = (performance.now() - started) / 1000;
  const runs = results.filter((r) => r.kind === "run" && !r.anytime);
  const anytimeRuns = results.filter((r) => r.kind === "run" && r.anytime);
  const base = new Map(results.filter((r) => r.kind === "baselines").map((r) => [`${r.task}|${r.budget}`, r.baselines]));
  const oracles = new Map(results.filter((r) => r.kind === "oracle").map((r) => [`${r.task}|${r.budget}`, r.oracle]));
  const cells = summarise(runs, anytimeRuns, base, oracles, settings);
  const summary = { settings, machine: m, seconds, crashes: crashes.length, checks: checks.map((c) => ({ task: c.task, budget: c.budget, objective: c.objective, method: c.variant, seed: c.seed, identical: c.identical, executorSeconds: c.executorSeconds, fastSeconds: c.fastSeconds })), cells };

  mkdirSync(outDir, { recursive: true });
  // Perturbed tasks alone are a separate record: they must not replace the built-in tasks' tables.
  const name = settings.perturbOnly ? "search-perturbed" : "search";
  const suffix = `${settings.perturbOnly ? "-perturbed" : ""}${quick ? "-quick" : ""}`;
  const svgPath = join(outDir, `search-curves${suffix}.svg`);
  const jsonPath = join(outDir, `search${suffix}.json`);
  writeFileSync(svgPath, await renderSvg(curveSpec(cells, settings)));
  writeFileSync(jsonPath, JSON.stringify(compact(summary)));
  const md = markdown(summary, relative(repoRoot, svgPath), relative(repoRoot, jsonPath));
  if (has("json")) console.log(JSON.stringify(compact(summary), null, 2));
  else console.log(md);
  if (write && crashes.length === 0) {
    writeSection(name, md, undefined, "search");
    process.stderr.write(`wrote its section of BENCHMARKS.md and ${relative(repoRoot, outDir)}/\n`);
  } else process.stderr.write(`outputs in ${outDir} (BENCHMARKS.md left alone: ${crashes.length ? "runs crashed" : "--write to update it"})\n`);
  process.stderr.write(`bench:search took ${fmtSeconds(seconds)}; ${runs.length} runs, ${crashes.length} crashed\n`);
  // One report per distinct error, with the first job that hit it.
  const seen = new Map();
  for (const c of crashes) {
    const key = String(c.error).split("\n")[0];
    if (!seen.has(key)) seen.set(key, { c, n: 0 });
    seen.get(key).n++;
  }
  for (const { c, n } of seen.values()) process.stderr.write(`CRASH (${n} job${n > 1 ? "s" : ""}, first: ${JSON.stringify(c.job)})\n${c.error}\n`);
  process.exitCode = crashes.length > 0 ? 1 : 0;
}

/** Run jobs on worker threads; a crashed job is reported, the rest go on. */
async function runPool(jobs, workers) {
  const results = [];
  const crashes = [];
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs.length) }, () => {
      const w = new Worker(new URL(import.meta.url));
      return new Promise((resolve, reject) => {
        const feed = () => {
          if (next >= jobs.length) {
            w.terminate().then(() => resolve());
            return;
          }
          w.postMessage(jobs[next++]);
        };
        w.on("message", (msg) => {
          done++;
          if (msg.ok) results.push(msg.result);
          else crashes.push(msg);
          if (done % 20 === 0 || done === jobs.length) process.stderr.write(`  ${done}/${jobs.length} jobs, ${fmtSeconds((performance.now() - t0) / 1000)}\n`);
          feed();
        });
        w.on("error", reject);
        feed();
      });
    }),
  );
  return { results, crashes };
}

const meanOf = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const sdOf = (xs) => {
  if (xs.length < 2) return 0;
  const mu = meanOf(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / (xs.length - 1));
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

/**
 * Evaluations a run needed before its leader (the graph it ranked first on search items after an
 * iteration) reached a fraction of the cell's best utility; Infinity when it never did.
 */
function evalsToReach(run, objective, target) {
  for (const c of run.curve) if (utility(objective, c) >= target) return c.evals;
  return Infinity;
}

/** The leader's true accuracy (utility) at `e` evaluations of a run: the last leader named by then. */
function leaderAt(run, objective, e) {
  let v;
  for (const c of run.curve) if (c.evals <= e) v = utility(objective, c);
  return v;
}

function summarise(runs, anytimeRuns, base, oracles, settings) {
  const cells = [];
  const cellKeys = [
    ...settings.tasks.flatMap((task) => settings.budgets.flatMap((budget) => settings.objectives.map((objective) => ({ task, budget, objective, world: false })))),
    ...settings.worldTasks.flatMap((task) => settings.budgets.map((budget) => ({ task, budget, objective: "accuracy", world: true }))),
  ];
  for (const { task, budget, objective, world } of cellKeys) {
    const rs = runs.filter((r) => r.task === task && r.budget === budget && r.objective === objective);
    if (rs.length === 0) continue;
    for (const r of rs) r.utility = utility(objective, r);
    const best = rs.reduce((a, b) => (b.utility > a.utility ? b : a));
    const oracle = objective === "accuracy" ? (oracles.get(`${task}|${budget}`) ?? null) : null;
    // Reaching 95% / 99% of the oracle (the accuracy objective), else of the best chosen graph.
    const target = oracle ? oracle.accuracy : best.utility;
    const rows = settings.methods
      .map((method) => {
        const mr = rs.filter((r) => r.variant === method).sort((a, b) => a.seed - b.seed);
        if (mr.length === 0) return null;
        const acc = mr.map((r) => r.accuracy);
        const u = mr.map((r) => r.utility);
        const to95 = mr.map((r) => evalsToReach(r, objective, 0.95 * target));
        const to99 = mr.map((r) => evalsToReach(r, objective, 0.99 * target));
        const long = anytimeRuns.filter((r) => r.task === task && r.budget === budget && r.variant === method && r.objective === objective);
        const source = long.length > 0 ? long : mr;
        // The graph the longer runs chose (after their own final selection), for the goal at their length.
        const longChosen = long.length > 0 ? { evals: long[0].evals, accuracy: meanOf(long.map((r) => r.accuracy)) } : null;
        const anytime = settings.anytime.map((e) => {
          if (e > source[0].evals) return { evals: e, value: null };
          const vals = source.map((r) => leaderAt(r, objective, e)).filter((v) => v !== undefined);
          return { evals: e, value: vals.length >= Math.ceil(source.length / 2) ? meanOf(vals) : null };
        });
        return {
          method,
          runs: mr.length,
          accuracy: { mean: meanOf(acc), sd: sdOf(acc), min: Math.min(...acc), max: Math.max(...acc) },
          latencyMs: { mean: meanOf(mr.map((r) => r.latencyMs)), sd: sdOf(mr.map((r) => r.latencyMs)) },
          utility: { mean: meanOf(u), sd: sdOf(u) },
          gap: Math.max(0, best.utility - meanOf(u)),
          oracleGap: oracle ? oracle.accuracy - meanOf(acc) : null,
          anytime,
          longChosen,
          units: meanOf(mr.map((r) => r.units)),
          evalsUsed: meanOf(mr.map((r) => r.evalsUsed)),
          to95: { median: median(to95), reached: to95.filter(Number.isFinite).length },
          to99: { median: median(to99), reached: to99.filter(Number.isFinite).length },
          perSeed: acc,
          // Mean true accuracy of the best graph proposed and of the best finalist (accuracy objective).
          reach: mr.every((r) => r.reach) ? { proposed: meanOf(mr.map((r) => r.reach.proposed)), finalist: meanOf(mr.map((r) => r.reach.finalist ?? r.accuracy)), graphs: meanOf(mr.map((r) => r.reach.graphs)) } : null,
          curve: meanCurve(mr, objective, settings.evals),
          seconds: mr.reduce((a, r) => a + r.seconds, 0),
        };
      })
      .filter(Boolean);
    cells.push({
      task,
      budget,
      objective,
      world,
      oracle,
      best: { method: best.variant, seed: best.seed, accuracy: best.accuracy, latencyMs: best.latencyMs, utility: best.utility, units: best.units, graph: best.graph },
      rows,
      baselines: base.get(`${task}|${budget}`) ?? null,
    });
  }
  return cells;
}

/** Mean over seeds of the leader's true utility, on a grid of evaluations spent. */
function meanCurve(runs, objective, evals) {
  const step = Math.max(1, Math.round(evals / 25));
  const out = [];
  for (let e = step; e <= evals; e += step) {
    const vals = [];
    for (const r of runs) {
      let v;
      for (const c of r.curve) if (c.evals <= e) v = utility(objective, c);
      if (v !== undefined) vals.push(v);
    }
    if (vals.length >= Math.ceil(runs.length / 2)) out.push({ evals: e, value: meanOf(vals) });
  }
  return out;
}

function curveSpec(cells, settings) {
  const values = [];
  for (const c of cells.filter((x) => x.objective === "accuracy"))
    for (const r of c.rows) for (const p of r.curve) values.push({ task: c.task.replace(/^sim:/, ""), budget: `budget ${c.budget}`, method: r.method, evals: p.evals, accuracy: Math.round(1000 * p.value) / 10 });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `True accuracy of each method's current leader against search evaluations (mean of ${settings.seeds} seeds)`,
    data: { values },
    facet: { row: { field: "task", type: "nominal", title: null }, column: { field: "budget", type: "nominal", title: null, sort: settings.budgets.map((b) => `budget ${b}`) } },
    spec: {
      width: 220,
      height: 150,
      mark: { type: "line", strokeWidth: 1.5, interpolate: "step-after" },
      encoding: {
        x: { field: "evals", type: "quantitative", title: "graph-item evaluations" },
        y: { field: "accuracy", type: "quantitative", title: "true accuracy (%)", scale: { zero: false } },
        color: { field: "method", type: "nominal", sort: settings.methods, scale: { scheme: "tableau10" }, legend: { labelLimit: 300 } },
        strokeDash: { condition: { test: "indexof(datum.method, 'agent-reinforce-') === 0", value: [4, 2] }, value: [1, 0] },
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}

function compact(summary) {
  return {
    ...summary,
    cells: summary.cells.map((c) => ({
      ...c,
      rows: c.rows.map(({ curve: _curve, ...r }) => ({ ...r, perSeed: r.perSeed.map((x) => Number(x.toFixed(4))) })),
      best: { ...c.best, graph: c.best.graph },
      baselines: c.baselines && Object.fromEntries(Object.entries(c.baselines).map(([k, b]) => [k, b && { layout: b.layout, accuracy: b.accuracy, latencyMs: b.latencyMs, units: b.units, planUnits: b.planUnits }])),
    })),
  };
}

const fmtEvals = (x) => (x.reached === 0 ? "never" : Number.isFinite(x.median) ? String(x.median) : "—");

/** Difference of means with the standard error of the difference. */
function versus(a, b) {
  const se = Math.sqrt(a.sd ** 2 / a.n + (b.sd ?? 0) ** 2 / (b.n ?? Infinity));
  return { diff: a.mean - b.mean, se };
}

function markdown(summary, svgRel, jsonRel) {
  const { settings, machine: m, cells } = summary;
  const L = [];
  const lead = "agent-reinforce";
  L.push(
    ...sectionHead(
      settings.perturbOnly ? "Search methods on perturbed simulator tasks" : "Search methods in the simulator",
      "npm run build && npm run bench:search" + (settings.args.length ? ` -- ${settings.args.join(" ")}` : ""),
      `${machineLine(m)} The script took ${fmtSeconds(summary.seconds)} on ${settings.workers} worker thread${settings.workers > 1 ? "s" : ""}${summary.crashes ? `; ${summary.crashes} runs crashed` : ""}.`,
    ),
  );
  L.push(
    `Settings: tasks ${settings.tasks.join(", ")} with the \`sim:llama\` pool (1B, 3B, 8B, 70B); budgets ${settings.budgets.join(", ")} units; seeds 0..${settings.seeds - 1} per method, seed s searching and validating on the items of world seed s (so the spread over seeds includes the draw of items); ` +
      `${settings.evals} graph-item evaluations per run (equal search cost: probes, pretests, iterations and the final validation of the candidates all count). ` +
      `Accuracy is the chosen graph's **true** accuracy by the simulator's ground truth on ${settings.truthItems.toLocaleString("en")} fresh items (the same items for every graph; a world's seed changes its draws, never its numbers, so every seed's world has this truth). ` +
      `Oracles: \`sim oracle\` with seed ${settings.oracle.seed}, ${settings.oracle.evals} evolution evaluations, measured on ${settings.oracle.items.toLocaleString("en")} items; cached in bench/results/oracle/.`,
  );
  L.push("");
  const ck = summary.checks ?? [];
  if (settings.evaluator === "fast") {
    L.push(
      "The harness evaluates graphs on the simulator's compiled fast path (the code behind `tts-graph sim truth`) instead of through the executor (prompts, sim provider, texts, grading); the simulated calls are the same, item for item. " +
        `${ck.length} runs were made both ways in this run and ${ck.filter((c) => c.identical).length} of ${ck.length} agreed exactly (the same chosen graph, the same leader after every iteration, the same validation score)` +
        (ck.length ? `; the executor path took ${fmtSeconds(ck.reduce((a, c) => a + c.executorSeconds, 0))} for them, the fast path ${fmtSeconds(ck.reduce((a, c) => a + c.fastSeconds, 0))} (ground-truth scoring included in both).` : "."),
    );
  } else L.push("The harness evaluates graphs through the executor and the sim provider (`--evaluator executor`).");
  L.push("");
  L.push(
    "Methods (`--optimizer` names): `agent-reinforce` (rule agent); its ablations `agent-reinforce-no-insights` (no insights in initialisation or updates), `agent-reinforce-random-init` (no probes, no pretest, a neutral start) and `agent-reinforce-no-fuser` (no fuser role in the space); " +
      "`reinforce` (GPTSwarm-style policy gradient), `random`, `tpe`, `evolution`.",
  );
  L.push("");
  L.push(
    `Columns: mean ± standard deviation over seeds [min-max]; *gap to oracle* = the cell's oracle (\`tts-graph sim oracle\`: the best-known graph by ground truth within the search's own space and budget check) minus the method's mean (for the latency objective, *gap* = the best chosen graph of any run in the cell minus the method's mean); ` +
      `*leader at N evals* = the mean over seeds of the true accuracy of the run's leader after N evaluations (${settings.anytimeEvals > settings.evals ? `from runs of ${settings.anytimeEvals} evaluations` : "from the same runs"}; "—" past the runs' length); ` +
      `*evals to 95% / 99%* = the median over seeds of the graph-item evaluations spent when the run's leader (the graph it ranks first on its search items after an iteration, ` +
      `scored by ground truth on ${settings.curveItems.toLocaleString("en")} items) first reached 95% (99%) of the oracle (of the best chosen graph for the latency objective), "—" when fewer than half the seeds got there, "never" when none did (seeds that got there in brackets). ` +
      `The final validation of the candidates comes after the curve and is not in these figures.`,
  );
  const fmtAnytime = (r) => r.anytime.map((a) => (a.value === null ? "—" : pct(a.value))).join(" / ");
  for (const objective of settings.objectives) {
    const oc = cells.filter((c) => c.objective === objective && !c.world);
    if (oc.length === 0) continue;
    L.push("");
    L.push(objective === "accuracy" ? "### Objective: accuracy" : "### Objective: accuracy and latency (`--objective latency`: accuracy minus 0.01 per second of mean latency)");
    L.push("");
    if (objective === "accuracy") {
      L.push(`| task | budget | method | true accuracy % | gap to oracle (points) | leader at ${settings.anytime.join(" / ")} evals | evals to 95% / 99% of the oracle |`);
      L.push("|---|---|---|---|---|---|---|");
    } else {
      L.push("| task | budget | method | true accuracy % | latency s | utility | gap (points) | evals to 95% / 99% |");
      L.push("|---|---|---|---|---|---|---|---|");
    }
    for (const c of oc) {
      const top = Math.max(...c.rows.map((r) => r.utility.mean));
      for (const r of c.rows) {
        const a = `${pct(r.accuracy.mean)} ± ${pct(r.accuracy.sd)} [${pct(r.accuracy.min)}-${pct(r.accuracy.max)}]`;
        const bold = (s) => (r.utility.mean === top ? `**${s}**` : s);
        const ev = `${fmtEvals(r.to95)} / ${fmtEvals(r.to99)} (${r.to95.reached}/${r.runs}, ${r.to99.reached}/${r.runs})`;
        if (objective === "accuracy") L.push(`| ${c.task} | ${c.budget} | ${r.method} | ${bold(a)} | ${r.oracleGap === null ? "-" : pct(r.oracleGap)} | ${fmtAnytime(r)} | ${ev} |`);
        else L.push(`| ${c.task} | ${c.budget} | ${r.method} | ${a} | ${(r.latencyMs.mean / 1000).toFixed(2)} ± ${(r.latencyMs.sd / 1000).toFixed(2)} | ${bold(pct(r.utility.mean))} | ${pct(r.gap)} | ${ev} |`);
      }
      const b = c.best;
      L.push(`| ${c.task} | ${c.budget} | *best chosen graph* | ${pct(b.accuracy)} (${b.method}, seed ${b.seed}, ${b.graph.nodes.length} nodes, ${b.units.toFixed(1)} units${objective === "latency" ? `, ${(b.latencyMs / 1000).toFixed(2)} s` : ""}) |  |  |${objective === "latency" ? "  |  |  |" : "  |"}`);
      if (c.oracle) L.push(`| ${c.task} | ${c.budget} | *oracle* | ${pct(c.oracle.accuracy)} ± ${pct(c.oracle.stderr, 2)} (${c.oracle.nodes} nodes, depth ${c.oracle.depth}, ${c.oracle.units.toFixed(1)} units) |  |  |  |`);
    }
  }
  // Fixed test-time-scaling layouts at the same budget.
  const ac = cells.filter((c) => c.objective === "accuracy" && c.baselines && !c.world);
  if (ac.length > 0) {
    L.push("");
    L.push("### Against fixed test-time-scaling layouts at the same budget");
    L.push("");
    L.push(
      "Every layout fits the budget (checked a priori, as every searched graph is) and is scored by the same ground truth. " +
        "*Single*: the most accurate model that fits alone. *Self-consistency*: w samples of one model fused by the same model (G(w,1)); the model and w chosen by ground truth among all that fit (an oracle choice, which favours the baseline). " +
        "*Mixture of agents*: one or two layers of proposers cycling through the pool from the cheapest, as wide as fits, each layer reading the one before, and a fuser aggregator, the strongest that fits; the better of the two layouts by ground truth. " +
        "Layouts read like `3x1b+1x3b`; units are the measured mean FLOPs in budget units.",
    );
    L.push("");
    L.push(`| task | budget | ${lead} (mean of seeds) | best single | self-consistency | mixture of agents |`);
    L.push("|---|---|---|---|---|---|");
    const fmtB = (b) => (b ? `${pct(b.accuracy)} (${b.layout}, ${b.units.toFixed(1)} u)` : "none fits");
    for (const c of ac) {
      const r = c.rows.find((x) => x.method === lead);
      L.push(`| ${c.task} | ${c.budget} | ${r ? `${pct(r.accuracy.mean)} ± ${pct(r.accuracy.sd)} (${r.units.toFixed(1)} u)` : "-"} | ${fmtB(c.baselines.single)} | ${fmtB(c.baselines.selfConsistency)} | ${fmtB(c.baselines.moa)} |`);
    }
  }
  // Plain statements, computed.
  L.push("");
  L.push("### Where Agent-REINFORCE does not come out ahead");
  L.push("");
  const lines = [];
  const ranks = [];
  let cellsAhead = 0;
  let cellsTotal = 0;
  const versusText = (what, other, mine) => (Math.abs(other - mine) < 5e-4 ? `ties with ${what} (${pct(mine)})` : `is behind ${what} (${pct(other)} vs ${pct(mine)})`);
  for (const c of cells.filter((x) => !x.world)) {
    const r = c.rows.find((x) => x.method === lead);
    if (!r) continue;
    cellsTotal++;
    const A = { mean: r.utility.mean, sd: r.utility.sd, n: r.runs };
    const name = `${c.task} budget ${c.budget}${c.objective === "latency" ? ", latency objective" : ""}`;
    const rank = 1 + c.rows.filter((o) => o.method !== lead && o.utility.mean > A.mean + 5e-4).length;
    ranks.push(`${c.task.replace("sim:", "")}/${c.budget}${c.objective === "latency" ? "/lat" : ""}: ${rank}`);
    const behind = [];
    const close = [];
    for (const o of c.rows) {
      if (o.method === lead) continue;
      const v = versus(A, { mean: o.utility.mean, sd: o.utility.sd, n: o.runs });
      if (v.diff <= 5e-4) behind.push(versusText(o.method, o.utility.mean, A.mean));
      else if (v.diff < 2 * v.se) close.push(o.method);
    }
    const fixed = [];
    if (c.objective === "accuracy" && c.baselines) {
      for (const [k, nameB] of [["single", "the best single model"], ["selfConsistency", "self-consistency"], ["moa", "the mixture-of-agents layout"]]) {
        const b = c.baselines[k];
        if (!b) continue;
        const v = versus(A, { mean: b.accuracy, sd: 0, n: Infinity });
        if (v.diff <= 5e-4) fixed.push(versusText(`${nameB} ${b.layout}`, b.accuracy, A.mean));
        else if (v.diff < 2 * v.se) close.push(nameB);
      }
    }
    if (behind.length === 0 && fixed.length === 0) cellsAhead++;
    if (behind.length > 0) lines.push(`- ${name}: Agent-REINFORCE ${behind.join("; ")}.`);
    if (fixed.length > 0) lines.push(`- ${name}: against the fixed layouts, Agent-REINFORCE ${fixed.join("; ")}.`);
    if (close.length > 0) lines.push(`- ${name}: ahead of ${close.join(", ")} by less than two standard errors of the difference: not a clear win.`);
  }
  L.push(
    `Agent-REINFORCE's mean is strictly above every other search method${ac.length ? " and, for the accuracy objective, every fixed layout" : ""} in ${cellsAhead} of ${cellsTotal} cells. ` +
      `Its rank by mean among the ${settings.methods.length} search methods (1 = best, ties share the better rank): ${ranks.join(", ")}.`,
  );
  L.push("");
  if (lines.length === 0) L.push("- Agent-REINFORCE is ahead everywhere, and by at least two standard errors of the difference.");
  else L.push(...lines);
  L.push(...goalsText(cells, settings));
  L.push(...reachText(cells, settings));
  L.push(...worldsText(cells, settings));
  L.push("");
  L.push(`Search curves (accuracy objective; ablations dashed): [${svgRel}](${svgRel}). Per-seed figures: ${jsonRel}.`);
  const perCell = cells.map((c) => `${c.task.replace("sim:", "")}/${c.budget}/${c.objective}: ${fmtSeconds(c.rows.reduce((a, r) => a + r.seconds, 0))}`);
  L.push("");
  L.push(`Time of the runs per cell (summed over runs; ground-truth scoring included): ${perCell.join(", ")}.`);
  return L.join("\n");
}

/** The oracle of a cell, from its cache when it holds it. */
function oracleJob(job) {
  const o = oracleFor(job);
  return { ...job, oracle: { accuracy: o.truth.accuracy, stderr: o.truth.stderr, units: o.truth.meanUnits, planUnits: o.planUnits, nodes: o.nodes, depth: o.depth, width: o.width, family: o.family, scored: o.scored, graph: o.graph, seconds: o.seconds, cached: o.cached } };
}

const BASELINE_METHODS = ["reinforce", "random", "tpe", "evolution"];
const fixedBest = (c) => Math.max(...["single", "selfConsistency", "moa"].map((k) => c.baselines?.[k]?.accuracy ?? -Infinity));

/** Agent-REINFORCE against the search goals of the oracle gap, over a set of accuracy cells. */
function goalFigures(cells) {
  const lead = "agent-reinforce";
  const withLead = cells.filter((c) => c.oracle && c.rows.some((r) => r.method === lead));
  if (withLead.length === 0) return null;
  const gaps = withLead.map((c) => c.rows.find((r) => r.method === lead).oracleGap);
  const atLast = withLead.map((c) => c.rows.find((r) => r.method === lead).anytime.at(-1)).filter((a) => a && a.value !== null);
  const ahead = withLead.filter((c) => {
    const a = c.rows.find((r) => r.method === lead).accuracy.mean;
    return c.rows.filter((r) => BASELINE_METHODS.includes(r.method)).every((r) => a >= r.accuracy.mean);
  }).length;
  const belowFixed = withLead.filter((c) => c.baselines && c.rows.find((r) => r.method === lead).accuracy.mean < fixedBest(c)).length;
  const lastGap = atLast.length === withLead.length ? meanOf(withLead.map((c) => c.oracle.accuracy - c.rows.find((r) => r.method === lead).anytime.at(-1).value)) : null;
  const long = withLead.map((c) => ({ c, l: c.rows.find((r) => r.method === lead).longChosen })).filter((x) => x.l);
  const longGap = long.length === withLead.length ? { evals: long[0].l.evals, gap: meanOf(long.map((x) => x.c.oracle.accuracy - x.l.accuracy)) } : null;
  return { cells: withLead.length, meanGap: meanOf(gaps), maxGap: Math.max(...gaps), ahead, belowFixed, lastGap, lastEvals: atLast[0]?.evals, longGap };
}

function goalsLines(g, what) {
  if (!g) return [];
  return [
    `- ${what}: Agent-REINFORCE's mean gap to the oracle is ${pct(g.meanGap)} points (goal: at most 1.5), at most ${pct(g.maxGap)} in any cell (goal: at most 3); ` +
      `its mean is at least every baseline search method's (${BASELINE_METHODS.join(", ")}) in ${g.ahead} of ${g.cells} cells (goal: 90%), below the best fixed layout in ${g.belowFixed} (goal: none)` +
      (g.lastGap !== null ? `; its leader's mean gap at ${g.lastEvals} evaluations is ${pct(g.lastGap)} points` : "") +
      (g.longGap ? `${g.lastGap !== null ? "," : ";"} the mean gap of the graphs its ${g.longGap.evals}-evaluation runs chose is ${pct(g.longGap.gap)} points` : "") +
      (g.lastGap !== null || g.longGap ? " (goal at 3,200: at most 0.5)." : "."),
  ];
}

function goalsText(cells, settings) {
  const builtin = goalFigures(cells.filter((c) => c.objective === "accuracy" && !c.world));
  const worlds = goalFigures(cells.filter((c) => c.world));
  if (!builtin && !worlds) return [];
  return ["", "### Against the goals", "", ...goalsLines(builtin, `${settings.tasks.join(", ")} (accuracy objective)`), ...goalsLines(worlds, `${settings.worldTasks.length} generated worlds`)];
}

/**
 * Where each method's gap to the oracle comes from, per group of cells: the best graph it proposed
 * (what its proposals reached), the best graph it offered to its final selection (what its search
 * estimates kept), and the graph it chose (what its selection picked).
 */
function reachText(cells, settings) {
  const groups = [
    ["built-in tasks", cells.filter((c) => !c.world && c.objective === "accuracy" && c.oracle)],
    ["generated worlds", cells.filter((c) => c.world && c.oracle)],
  ].filter(([, cs]) => cs.length > 0 && cs.every((c) => c.rows.every((r) => r.reach)));
  if (groups.length === 0) return [];
  const L = ["", "### Where the gap comes from", ""];
  L.push(
    "Mean gap to the oracle, in points, of three graphs of each run: the best graph the run proposed at any time (by ground truth; screened on 1,000 items, the best three re-scored on the curve's items), " +
      "the best graph it offered to its final selection, and the graph it chose. The first is what the method's proposals reached; the difference between the first two is lost by the search's own estimates, which decide what reaches the selection; the difference between the last two is lost by the selection on validation items.",
  );
  L.push("");
  L.push("| cells | method | graphs proposed per run | best proposed | best finalist | chosen |");
  L.push("|---|---|---|---|---|---|");
  for (const [label, cs] of groups) {
    for (const method of settings.methods) {
      const xs = cs.map((c) => ({ o: c.oracle.accuracy, r: c.rows.find((r) => r.method === method) })).filter((x) => x.r);
      if (xs.length === 0) continue;
      const gap = (f) => pct(meanOf(xs.map((x) => x.o - f(x.r))));
      L.push(`| ${label} | ${method} | ${meanOf(xs.map((x) => x.r.reach.graphs)).toFixed(0)} | ${gap((r) => r.reach.proposed)} | ${gap((r) => r.reach.finalist)} | ${gap((r) => r.accuracy.mean)} |`);
    }
  }
  return L;
}

/** The generated worlds: an aggregate per method, then one line per cell. */
function worldsText(cells, settings) {
  const wc = cells.filter((c) => c.world);
  if (wc.length === 0) return [];
  const seeds = settings.worldSeeds;
  const L = ["", "### Generated worlds", ""];
  L.push(
    `${settings.worldTasks.length} worlds drawn by \`tts-graph sim world --seed S\` for S = ${seeds[0]}..${seeds[seeds.length - 1]}, seeds fixed after the methods were (no method was developed or tuned on these worlds), ` +
      `x budgets ${settings.budgets.join(", ")} units (of one call of the world's cheapest model); each world's pool is all its models; accuracy objective.`,
  );
  L.push("");
  L.push(`| method | mean true accuracy % | mean gap to oracle | largest gap | ${settings.budgets.map((b) => `gap at budget ${b}`).join(" | ")} | cells at least every other search method |`);
  L.push(`|---|---|---|---|${settings.budgets.map(() => "---|").join("")}---|`);
  for (const method of settings.methods) {
    const rows = wc.map((c) => ({ c, r: c.rows.find((x) => x.method === method) })).filter((x) => x.r);
    if (rows.length === 0) continue;
    const gaps = rows.filter((x) => x.r.oracleGap !== null).map((x) => x.r.oracleGap);
    const byBudget = settings.budgets.map((b) => pct(meanOf(rows.filter((x) => x.c.budget === b && x.r.oracleGap !== null).map((x) => x.r.oracleGap))));
    const top = rows.filter((x) => x.c.rows.filter((o) => o.method !== method && !o.method.startsWith("agent-reinforce-")).every((o) => x.r.accuracy.mean >= o.accuracy.mean)).length;
    L.push(`| ${method} | ${pct(meanOf(rows.map((x) => x.r.accuracy.mean)))} | ${pct(meanOf(gaps))} | ${pct(Math.max(...gaps))} | ${byBudget.join(" | ")} | ${top} of ${rows.length} |`);
  }
  L.push("");
  L.push("| world | budget | oracle % (nodes, depth) | agent-reinforce % | best other search method % | best fixed layout % |");
  L.push("|---|---|---|---|---|---|");
  for (const c of wc) {
    const a = c.rows.find((r) => r.method === "agent-reinforce");
    const others = c.rows.filter((r) => BASELINE_METHODS.includes(r.method));
    const o = others.length ? others.reduce((x, y) => (y.accuracy.mean > x.accuracy.mean ? y : x)) : null;
    const f = fixedBest(c);
    L.push(`| ${c.task} | ${c.budget} | ${c.oracle ? `${pct(c.oracle.accuracy)} (${c.oracle.nodes}, ${c.oracle.depth})` : "-"} | ${a ? `${pct(a.accuracy.mean)} ± ${pct(a.accuracy.sd)}` : "-"} | ${o ? `${pct(o.accuracy.mean)} (${o.method})` : "-"} | ${Number.isFinite(f) ? pct(f) : "none fits"} |`);
  }
  return L;
}

// Last, so every helper above is initialised: the main thread runs the benchmark, workers run jobs.
if (!isMainThread) {
  parentPort.on("message", async (job) => {
    try {
      parentPort.postMessage({ ok: true, result: job.kind === "baselines" ? baselines(job) : job.kind === "oracle" ? oracleJob(job) : await runJob(job) });
    } catch (err) {
      parentPort.postMessage({ ok: false, job, error: err?.stack ?? String(err) });
    }
  });
} else {
  await main();
}
