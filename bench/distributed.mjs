// Steady-state throughput of the queue executor with 1, 2 and 4 worker processes against a
// latency-bound local OpenAI-compatible server (every call takes --delay ms, 200 by default), against
// the local executor at the same calls in flight per process, and the coordinator's overhead per
// evaluation. Every worker is started and has run a warm-up evaluation (its run's context built, its
// connections open) before the clock starts, and the workload is large enough that the last wave of
// jobs is a small part of the wall time.
//
//   npm run build && npm run bench:distributed [-- --items 256 --delay 200 --concurrency 4]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flags, machineLine, repoRoot, writeSection } from "./lib/record.mjs";

const f = flags();
const items = Number(f.get("items", "256"));
const delay = Number(f.get("delay", "200"));
const concurrency = Number(f.get("concurrency", "4"));
const dist = (p) => join(repoRoot, "dist", p);
const { startOpenAIServer } = await import(dist("testing/index.js"));
const { resolveTask, resolvePool, resolveProviders } = await import(dist("resolve.js"));
const { createExecContext } = await import(dist("exec/index.js"));
const { executorEvaluator } = await import(dist("search/evaluator.js"));
const { queueEvaluator } = await import(dist("queue/index.js"));

if (spawnSync("redis-server", ["--version"]).status !== 0) {
  console.log("skipped: redis-server is not installed");
  process.exit(0);
}
const port = await new Promise((res) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "inherit"] });
await new Promise((res) => redis.stdout.on("data", (d) => d.toString().includes("Ready to accept") && res()));
const url = `redis://127.0.0.1:${port}`;

const server = await startOpenAIServer({ models: ["m"], handler: () => ({ kind: "answer", text: "\\boxed{1}", delayMs: delay }) });
const dir = mkdtempSync(join(tmpdir(), "tts-graph-bench-"));
const taskPath = join(dir, "task.jsonl");
// Warm-up items come first in the file and are never timed; their questions differ from the timed ones', so no timed call is served from the shared cache.
const warmItems = 4 * 4 * concurrency;
const line = (id, i) => JSON.stringify({ id, question: `What is ${i} + 1?`, answer: String(i + 1) });
writeFileSync(taskPath, [...Array.from({ length: warmItems }, (_, i) => line(`w${i}`, items + i)), ...Array.from({ length: items }, (_, i) => line(`q${i}`, i))].join("\n") + "\n");
const poolPath = join(dir, "pool.yaml");
writeFileSync(poolPath, `models:\n  - id: m\n    family: test\n    params: 1000000000\n    layers: 16\n    hidden: 2048\n    endpoint:\n      kind: openai\n      baseURL: ${server.baseURL}\n      model: m\n      maxRetries: 0\n      concurrency: 256\n`);
// A three-node chain: each evaluation is three calls in sequence.
const graph = { version: 1, nodes: ["a", "b", "c"].map((id) => ({ id, role: "assistant", model: "m" })), edges: [["a", "b"], ["b", "c"]], output: "c" };
const task = resolveTask(taskPath, {});
const all = task.items("search").concat(task.items("validation"), task.items("test"));
const list = all.filter((it) => it.id.startsWith("q"));
const warm = all.filter((it) => it.id.startsWith("w"));

/** Wall time of `list` after an untimed warm-up of `warmCount` items. */
async function timed(evaluator, warmCount) {
  if ((await evaluator(graph, warm.slice(0, warmCount), "search")).some((o) => o.errored)) throw new Error("a warm-up evaluation errored");
  const t0 = performance.now();
  const out = await evaluator(graph, list, "search");
  if (out.length !== list.length || out.some((o) => o.errored)) throw new Error("an evaluation errored");
  return performance.now() - t0;
}

const pool = resolvePool(poolPath);
const local = await timed(executorEvaluator(createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }), cache: null, concurrency, seed: 1 })), concurrency);
const rows = [];
let seed = 10;
for (const n of [1, 2, 4]) {
  const workers = [];
  for (let i = 0; i < n; i++) {
    const w = spawn(process.execPath, [join(repoRoot, "bin/tts-graph.js"), "worker", "--queue", url, "--concurrency", String(concurrency)], { stdio: ["ignore", "ignore", "pipe"] });
    await new Promise((res) => w.stderr.on("data", (d) => d.toString().includes("pulling") && res()));
    workers.push(w);
  }
  // A new seed per run: nothing is served from the shared cache. Enough warm-up items that every worker takes some.
  const q = await queueEvaluator({ url, run: { task: taskPath, pool: poolPath, seed: seed++ } });
  const ms = await timed(q.evaluator, 4 * n * concurrency);
  await q.close();
  for (const w of workers) w.kill("SIGTERM");
  await Promise.all(workers.map((w) => new Promise((res) => w.on("exit", res))));
  rows.push({ n, ms });
}
await server.close();
redis.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });

const perSec = (ms) => (list.length / (ms / 1000)).toFixed(2);
const one = rows[0].ms;
const table = [
  "| executor | processes | wall s | evaluations/s | speed-up over 1 worker | of linear |",
  "|---|---|---|---|---|---|",
  `| local | 1 | ${(local / 1000).toFixed(2)} | ${perSec(local)} | | |`,
  ...rows.map((r) => `| queue | ${r.n} worker${r.n > 1 ? "s" : ""} | ${(r.ms / 1000).toFixed(2)} | ${perSec(r.ms)} | ${(one / r.ms).toFixed(2)} | ${(one / r.ms / r.n).toFixed(2)} |`),
];
const overhead = (one - local) / list.length;
const md = `## Queue executor (BullMQ on Redis)

A three-call chain graph on ${list.length} items (${3 * list.length} calls) against a local OpenAI-compatible server whose every call takes ${delay} ms, ${concurrency} calls in flight per process, one item per job (the default); workers are \`tts-graph worker\` processes on the same machine. Steady state: every worker is started and has run a warm-up evaluation of other items of the same run before the clock starts; speed-ups are against the 1-worker run of the same invocation:

    npm run build && npm run bench:distributed -- --items ${items} --delay ${delay} --concurrency ${concurrency}

Machine: ${machineLine()}

${table.join("\n")}

Redis, the test server, the coordinator and every worker share this machine's 2 cores (with whatever else runs on it, see the load average), so the figures for more workers are bounded by them as well as by the queue.

What costs speed-up: a worker's first job of a run (compiling hot code, opening connections, building the run's context: a few hundred ms once, which dominated the earlier 64-item runs of about 4 s measured from cold workers), the last wave of jobs, and any other load on the cores. Jobs of several items were a real loss: a worker takes as many jobs at once as it makes calls at once, so with four items per job the first worker to wake took four times the items it could run while the others idled; a job is now one item by default.

Coordinator overhead against the local executor, one worker at the same concurrency: ${overhead.toFixed(1)} ms per evaluation (${((one / local - 1) * 100).toFixed(1)}% of the wall time).`;
console.log(md);
if (!f.has?.("dry")) writeSection("distributed", md);
