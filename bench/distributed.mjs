// Throughput of the queue executor with 1, 2 and 4 worker processes against a latency-bound local
// OpenAI-compatible server (every call takes --delay ms, 200 by default), against the local executor
// at the same calls in flight per process, and the coordinator's overhead per evaluation.
//
//   npm run build && npm run bench:distributed [-- --items 64 --delay 200 --concurrency 4]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flags, machineLine, repoRoot, writeSection } from "./lib/record.mjs";

const f = flags();
const items = Number(f.get("items", "64"));
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
writeFileSync(taskPath, Array.from({ length: items }, (_, i) => JSON.stringify({ id: `q${i}`, question: `What is ${i} + 1?`, answer: String(i + 1) })).join("\n") + "\n");
const poolPath = join(dir, "pool.yaml");
writeFileSync(poolPath, `models:\n  - id: m\n    family: test\n    params: 1000000000\n    layers: 16\n    hidden: 2048\n    endpoint:\n      kind: openai\n      baseURL: ${server.baseURL}\n      model: m\n      maxRetries: 0\n      concurrency: 256\n`);
// A three-node chain: each evaluation is three calls in sequence.
const graph = { version: 1, nodes: ["a", "b", "c"].map((id) => ({ id, role: "assistant", model: "m" })), edges: [["a", "b"], ["b", "c"]], output: "c" };
const task = resolveTask(taskPath, {});
const list = task.items("search").concat(task.items("validation"), task.items("test"));

async function timed(evaluator) {
  const t0 = performance.now();
  const out = await evaluator(graph, list, "search");
  if (out.length !== list.length || out.some((o) => o.errored)) throw new Error("an evaluation errored");
  return performance.now() - t0;
}

const pool = resolvePool(poolPath);
const local = await timed(executorEvaluator(createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }), cache: null, concurrency, seed: 1 })));
const rows = [];
let seed = 10;
for (const n of [1, 2, 4]) {
  const workers = [];
  for (let i = 0; i < n; i++) {
    const w = spawn(process.execPath, [join(repoRoot, "bin/tts-graph.js"), "worker", "--queue", url, "--concurrency", String(concurrency)], { stdio: ["ignore", "ignore", "pipe"] });
    await new Promise((res) => w.stderr.on("data", (d) => d.toString().includes("pulling") && res()));
    workers.push(w);
  }
  // A new seed per run: nothing is served from the shared cache.
  const q = await queueEvaluator({ url, run: { task: taskPath, pool: poolPath, seed: seed++ }, chunk: 1 });
  const ms = await timed(q.evaluator);
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

A three-call chain graph on ${list.length} items (${3 * list.length} calls) against a local OpenAI-compatible server whose every call takes ${delay} ms, ${concurrency} calls in flight per process, one item per job; workers are \`tts-graph worker\` processes on the same machine:

    npm run build && npm run bench:distributed -- --items ${items} --delay ${delay} --concurrency ${concurrency}

Machine: ${machineLine()}

${table.join("\n")}

The server, the coordinator, Redis and every worker share this machine's cores, so the figures for more workers are bounded by them as well as by the queue.

Coordinator overhead against the local executor, one worker at the same concurrency: ${overhead.toFixed(1)} ms per evaluation (${((one / local - 1) * 100).toFixed(1)}% of the wall time).`;
console.log(md);
if (!f.has?.("dry")) writeSection("distributed", md);
