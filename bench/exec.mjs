// Execution speed: simulated node calls per second through the executor on one core (the raw
// simulator's ground-truth path as the reference), the executor's and the OpenAI provider's own cost
// per call against the raw `openai` client on a local server that answers at once (measured in the
// same run, interleaved), and throughput with 256 calls in flight.
//
//     npm run build && npm run bench:exec [-- --quick] [--no-write] [--json]
//
// The server runs in a child process, so the CPU figures are the client side's alone. CPU time is the
// better measure on a shared machine; wall time is given too.
import { fork, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { createExecContext, createOpenAIProvider, evaluate, resolvePool, resolveProviders, resolveTask } from "tts-graph";
import { layeredGraph } from "tts-graph/sim";
import { createArithTask } from "tts-graph/tasks";
import { FAN_IN, SIM_CASES } from "./lib/graphs.mjs";
import { flags, fmtSeconds, machine, machineLine, sectionHead, writeSection } from "./lib/record.mjs";

const { has } = flags();
const quick = has("quick");
const write = quick ? has("write") : !has("no-write");
const started = performance.now();
const m = machine();

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d }) : "-");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** CPU (user + system) and wall time of `fn`. */
async function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wallMs, cpuMs: (c.user + c.system) / 1000 };
}

// ---- 1. Simulated node calls per second ----
const simTask = resolveTask("sim:math", {});
const simPool = resolvePool("sim:llama");
const simProviders = resolveProviders(simPool, { task: simTask });
const simItems = simTask.items("search").slice(0, quick ? 200 : 1000);
const simRows = [];
for (const [name, graph] of SIM_CASES) {
  const ctx = createExecContext({ task: simTask, models: simPool.pool.models, providers: simProviders, concurrency: 8, seed: 0 });
  const run = () => evaluate(graph, simItems, ctx, { keepPrompts: false, keepText: false, keepTraces: false });
  await run(); // warm up the JIT
  const reps = quick ? 1 : 4;
  const t = await timed(async () => {
    let calls = 0;
    for (let r = 0; r < reps; r++) calls += (await run()).calls;
    return calls;
  });
  const truthItems = quick ? 20_000 : 200_000;
  simTask.truth(graph, { items: 2000 });
  const raw = await timed(() => simTask.truth(graph, { items: truthItems }).calls);
  simRows.push({
    graph: name,
    nodes: graph.nodes.length,
    calls: t.value,
    execCpuPerSec: t.value / (t.cpuMs / 1000),
    execWallPerSec: t.value / (t.wallMs / 1000),
    rawCpuPerSec: raw.value / (raw.cpuMs / 1000),
  });
  process.stderr.write(`sim ${name}: ${fmt(t.value / (t.cpuMs / 1000))} calls/CPU-s through the executor\n`);
}

// Where the executor's time goes: a CPU profile (node --cpu-prof, in a child process) of the fan-in
// case, self time by part of the code.
function profile(reps) {
  const dir = mkdtempSync(join(tmpdir(), "tts-graph-prof-"));
  try {
    const r = spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, fileURLToPath(new URL("./lib/exec-profile.mjs", import.meta.url)), String(reps)], { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`the profiled run failed (exit ${r.status})`);
    const p = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith(".cpuprofile"))), "utf8"));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parts = new Map();
    let total = 0;
    p.samples.forEach((id, i) => {
      const dt = p.timeDeltas[i] ?? 0;
      const { url, functionName } = byId.get(id).callFrame;
      // Idle samples are time the thread waited, not the code's.
      if (functionName === "(idle)") return;
      total += dt;
      const inDist = url.match(/\/dist\/([^/]+)\//);
      const part = inDist ? `src/${inDist[1]}` : url.includes("node_modules") ? "dependencies" : url === "" ? (functionName === "(garbage collector)" ? "garbage collection" : `V8 ${functionName}`) : "Node.js internals (module loading, timers, promises)";
      parts.set(part, (parts.get(part) ?? 0) + dt);
    });
    return [...parts.entries()].map(([part, t]) => ({ part, share: t / total })).sort((a, b) => b.share - a.share);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const profileRows = profile(quick ? 10 : 40);

// ---- 2. Per-call overhead against the raw openai client ----
const server = fork(new URL("./lib/fast-openai-server.mjs", import.meta.url), [], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
const [portLine] = await once(server.stdout, "data");
const baseURL = `http://127.0.0.1:${String(portLine).trim()}/v1`;
let overhead;
let flight;
try {
  const raw = new OpenAI({ apiKey: "no-key", baseURL, maxRetries: 0 });
  const spec = { id: "bench", family: "bench", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL, model: "bench", concurrency: 256 } };
  const provider = createOpenAIProvider(spec);
  const arith = createArithTask({ seed: 0, items: 4000 });
  const items = arith.items("test");
  const pool = { pool: { name: "bench", models: [spec] }, source: "bench", baseDir: process.cwd() };
  const one = layeredGraph("bench", 1, 1);
  const messages = [{ role: "user", content: items[0].question }];
  const request = (i) => ({
    model: spec,
    messages: [{ role: "user", content: items[i % items.length].question }],
    metadata: { role: "assistant", isOutput: true, style: arith.style, taskId: arith.id, item: { id: items[i % items.length].id, question: items[i % items.length].question }, references: [] },
    sampling: { temperature: 0.7, maxTokens: 64, seed: 1 },
    sampleIndex: 0,
  });
  const n = quick ? 100 : 400;
  const paths = {
    "raw openai client": async () => {
      for (let i = 0; i < n; i++) await raw.chat.completions.create({ model: "bench", messages, temperature: 0.7, max_tokens: 64, seed: 1 });
    },
    "our OpenAI provider": async () => {
      for (let i = 0; i < n; i++) await provider.generate(request(i));
    },
    "executor (1-node graph, graded)": async () => {
      const ctx = createExecContext({ task: arith, models: pool.pool.models, providers: resolveProviders(pool, {}), cache: null, concurrency: 1, seed: 0 });
      await evaluate(one, items.slice(0, n), ctx, { keepPrompts: false, keepText: false, keepTraces: false });
    },
  };
  for (const f of Object.values(paths)) await f(); // warm up connections and the JIT
  const samples = Object.fromEntries(Object.keys(paths).map((k) => [k, { wall: [], cpu: [] }]));
  const rounds = quick ? 2 : 7;
  // Interleaved rounds, so a change in the machine's load touches every path alike.
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(paths)) {
      const t = await timed(f);
      samples[k].wall.push((1000 * t.wallMs) / n);
      samples[k].cpu.push((1000 * t.cpuMs) / n);
    }
  }
  const rawWall = median(samples["raw openai client"].wall);
  const rawCpu = median(samples["raw openai client"].cpu);
  overhead = Object.entries(samples).map(([path, s]) => ({ path, wallUs: median(s.wall), wallMin: Math.min(...s.wall), wallMax: Math.max(...s.wall), cpuUs: median(s.cpu), wallRatio: median(s.wall) / rawWall, cpuRatio: median(s.cpu) / rawCpu }));
  overhead.calls = n;
  overhead.rounds = rounds;

  // ---- 3. 256 calls in flight ----
  const total = quick ? 1024 : 4096;
  const inFlight = 256;
  const rawFlight = await timed(async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < total) {
          next++;
          await raw.chat.completions.create({ model: "bench", messages, temperature: 0.7, max_tokens: 64, seed: 1 });
        }
      }),
    );
  });
  const execCtx = createExecContext({ task: arith, models: pool.pool.models, providers: resolveProviders(pool, {}), cache: null, concurrency: inFlight, seed: 0 });
  const flightItems = Array.from({ length: total }, (_, i) => ({ ...items[i % items.length], id: `${items[i % items.length].id}#${i}` }));
  const execFlight = await timed(() => evaluate(one, flightItems, execCtx, { keepPrompts: false, keepText: false, keepTraces: false }));
  if (execFlight.value.errored > 0) throw new Error(`${execFlight.value.errored} of ${total} calls errored at ${inFlight} in flight`);
  const simCtx = createExecContext({ task: simTask, models: simPool.pool.models, providers: simProviders, concurrency: inFlight, seed: 0 });
  const simFlightItems = simTask.items("search").slice(0, quick ? 200 : 1000);
  const simFlight = await timed(() => evaluate(FAN_IN, simFlightItems, simCtx, { keepPrompts: false, keepText: false, keepTraces: false }));
  flight = {
    inFlight,
    total,
    rows: [
      { path: "raw openai client, local server", calls: total, wallPerSec: total / (rawFlight.wallMs / 1000), cpuPerSec: total / (rawFlight.cpuMs / 1000) },
      { path: "executor + OpenAI provider, local server", calls: total, wallPerSec: total / (execFlight.wallMs / 1000), cpuPerSec: total / (execFlight.cpuMs / 1000) },
      { path: "executor + simulator (fan-in graph)", calls: simFlight.value.calls, wallPerSec: simFlight.value.calls / (simFlight.wallMs / 1000), cpuPerSec: simFlight.value.calls / (simFlight.cpuMs / 1000) },
    ],
  };
} finally {
  server.kill("SIGTERM");
}

const seconds = (performance.now() - started) / 1000;
const L = [];
L.push(
  ...sectionHead(
    "Execution speed",
    "npm run build && npm run bench:exec" + (quick ? " -- --quick" : ""),
    `${machineLine(m)} The script took ${fmtSeconds(seconds)}. CPU time is this process's user + system time (the local server runs in a child process); on a shared machine it is the figure that says what one core does.`,
  ),
);
L.push("### Simulated node calls per second, one process");
L.push("");
L.push(`Through the executor (\`evaluate\`: prompts rendered, the sim provider's texts, answers extracted and graded, FLOPs ledger, 8 calls in flight) on ${simItems.length} sim:math items, against the simulator's compiled ground-truth path (\`tts-graph sim truth\`) on the same graph.`);
L.push("");
L.push("| graph | nodes | calls (executor) | executor calls/s (CPU) | executor calls/s (wall) | raw simulator calls/s (CPU) | raw / executor |");
L.push("|---|---|---|---|---|---|---|");
for (const r of simRows) L.push(`| ${r.graph} | ${r.nodes} | ${r.calls} | ${fmt(r.execCpuPerSec)} | ${fmt(r.execWallPerSec)} | ${fmt(r.rawCpuPerSec)} | ${fmt(r.rawCpuPerSec / r.execCpuPerSec)}x |`);
L.push("");
L.push("Where the executor's CPU time goes on the fan-in graph (V8 sampling profile, self time by part of the code; `src/sim` is the simulated provider writing and reading texts, `src/exec` the executor, `src/tasks` prompts, extraction and grading):");
L.push("");
L.push("| part | share of CPU |");
L.push("|---|---|");
for (const r of profileRows.filter((x) => x.share >= 0.01)) L.push(`| ${r.part} | ${(100 * r.share).toFixed(1)} % |`);
L.push("");
L.push("### Cost per call against the raw `openai` client");
L.push("");
L.push(`One call at a time to a local server that answers at once (child process), ${overhead.calls} calls per round, ${overhead.rounds} interleaved rounds; medians of the rounds. The ratio is to the raw client measured in the same rounds.`);
L.push("");
L.push("| path | wall µs/call (rounds min-max) | CPU µs/call | wall ratio | CPU ratio |");
L.push("|---|---|---|---|---|");
for (const r of overhead) L.push(`| ${r.path} | ${fmt(r.wallUs)} (${fmt(r.wallMin)}-${fmt(r.wallMax)}) | ${fmt(r.cpuUs)} | ${fmt(r.wallRatio, 2)} | ${fmt(r.cpuRatio, 2)} |`);
const prov = overhead.find((r) => r.path.startsWith("our"));
const exe = overhead.find((r) => r.path.startsWith("executor"));
const rawRow = overhead[0];
L.push("");
const signed = (x) => `${x >= 0 ? "+" : ""}${fmt(x)}`;
L.push(
  `Against the raw client, our provider's difference per call is ${signed(prov.wallUs - rawRow.wallUs)} µs of wall time (${signed(prov.cpuUs - rawRow.cpuUs)} µs of CPU), and the executor path's, with prompt rendering, grading and the ledger, ${signed(exe.wallUs - rawRow.wallUs)} µs (${signed(exe.cpuUs - rawRow.cpuUs)} µs of CPU). ` +
    "A negative difference means no measurable overhead: the provider reads the body with one JSON.parse instead of the client's response pipeline. Differences smaller than the spread of the rounds are noise.",
);
L.push("");
L.push(`### ${flight.inFlight} calls in flight`);
L.push("");
L.push("The local server runs in one child process on the same cores, so at this concurrency it, not the client, is usually the limit; the rows compare the client paths under the same limit.");
L.push("");
L.push("| path | calls | calls/s (wall) | calls/s (CPU) |");
L.push("|---|---|---|---|");
for (const r of flight.rows) L.push(`| ${r.path} | ${r.calls} | ${fmt(r.wallPerSec)} | ${fmt(r.cpuPerSec)} |`);
const md = L.join("\n");

if (has("json")) console.log(JSON.stringify({ machine: m, seconds, sim: simRows, overhead, flight }, null, 2));
else console.log(md);
if (write) {
  writeSection("exec", md);
  process.stderr.write("wrote its section of BENCHMARKS.md\n");
}
process.stderr.write(`bench:exec took ${fmtSeconds(seconds)}\n`);
