// Serving load: `tts-graph serve` (the built bin, in a child process) answering chat completions
// for the fan-in graph on the simulator with 64 requests in flight: requests/s, p50/p99 latency,
// the server's memory (RSS) over the run, and the cost per request against running the graph's
// nodes directly (the executor in this process, no HTTP), one at a time and 64 at a time.
//
//     npm run build && npm run bench:serve [-- --quick] [--no-write] [--json]
//
// Every request carries its own seed, so the answers are those of the executor for that seed.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Agent, request } from "node:http";
import { cliContext, poolFor } from "../dist/cli/exec-setup.js";
import { prepareGraph, runGraph } from "../dist/exec/run.js";
import { loadGraphFile } from "../dist/graph/io.js";
import { resolveTask } from "../dist/resolve.js";
import { requestSampleBase } from "../dist/serve/index.js";
import { flags, machine, machineLine, repoRoot, sectionHead, writeSection } from "./lib/record.mjs";

const { has } = flags();
const quick = has("quick");
const write = quick ? has("write") : !has("no-write");
const CONCURRENCY = 64;
const TOTAL = quick ? 1000 : 8000;
const SEQUENTIAL = quick ? 100 : 400;
const m = machine();
const started = performance.now();
const graphFile = join(repoRoot, "examples", "graphs", "fan-in.json");

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d }) : "-");
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
/** CPU time (user + system) a process has used, in ms, from /proc (clock ticks of 10 ms). */
const cpuMsOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const rssMb = (pid) => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line.split(/\s+/)[1]) / 1024;
};

const task = resolveTask("sim:math", { seed: 0 });
const items = task.items("test");

// ---- The server ----
const child = spawn(process.execPath, [join(repoRoot, "bin", "tts-graph.js"), "serve", graphFile, "--task", "sim:math", "--pool", "sim:llama", "--port", "0", "--json", "--no-cache", "--concurrency", "64"], {
  cwd: repoRoot,
  stdio: ["ignore", "pipe", "pipe"],
});
let stderr = "";
child.stderr.on("data", (d) => (stderr += d));
const info = await new Promise((resolve, reject) => {
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
    if (out.includes("\n")) resolve(JSON.parse(out.slice(0, out.indexOf("\n"))));
  });
  child.on("close", () => reject(new Error(`serve exited: ${stderr}`)));
});
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** One HTTP request over the keep-alive agent; resolves to the status and body. */
function http(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = request(`${info.url}${path}`, { method, agent, headers: body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function ask(i) {
  const item = items[i % items.length];
  const t0 = performance.now();
  const r = await http("POST", "/v1/chat/completions", JSON.stringify({ model: "fan-in", messages: [{ role: "user", content: item.question }], seed: i }));
  if (r.status !== 200) throw new Error(`request ${i}: HTTP ${r.status}: ${r.text}`);
  JSON.parse(r.text);
  return performance.now() - t0;
}

/** `total` jobs, `concurrency` at a time; latencies and wall time. */
async function load(total, concurrency, job) {
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) latencies.push(await job(next++));
    }),
  );
  return { latencies, wallMs: performance.now() - t0 };
}

// Warm up both sides' JIT.
await load(CONCURRENCY * 4, CONCURRENCY, ask);
const rss = { start: rssMb(child.pid), peak: 0 };
const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, rssMb(child.pid))), 100);
const cpu0 = cpuMsOf(child.pid);
const concurrent = await load(TOTAL, CONCURRENCY, ask);
const serverCpuMs = cpuMsOf(child.pid) - cpu0;
clearInterval(sampler);
rss.end = rssMb(child.pid);
rss.peak = Math.max(rss.peak, rss.end);
const sequential = await load(SEQUENTIAL, 1, ask);
const metrics = (await http("GET", "/metrics")).text;
const errorsLine = metrics.split("\n").filter((l) => l.startsWith("tts_graph_errors_total{"));
child.kill("SIGTERM");
await new Promise((r) => child.on("close", r));
agent.destroy();
process.stderr.write(`served ${TOTAL} requests at ${CONCURRENCY} in flight: ${fmt(TOTAL / (concurrent.wallMs / 1000))} req/s\n`);

// ---- The same runs, directly ----
const ctx = cliContext(task, poolFor("sim:math", "sim:llama"), { seed: 0, concurrency: 64 }, null);
const graph = prepareGraph(loadGraphFile(graphFile), ctx);
const direct = async (i) => {
  const t0 = performance.now();
  const trace = await runGraph(graph, items[i % items.length], { ...ctx, seed: i }, { grade: false, keepPrompts: false, keepText: false, sampleBase: requestSampleBase(i) });
  if (trace.errored) throw new Error(`direct run ${i}: ${trace.error?.message}`);
  return performance.now() - t0;
};
await load(CONCURRENCY * 4, CONCURRENCY, direct);
const c0 = process.cpuUsage();
const directConcurrent = await load(TOTAL, CONCURRENCY, direct);
const c1 = process.cpuUsage(c0);
const directCpuMs = (c1.user + c1.system) / 1000;
const directSequential = await load(SEQUENTIAL, 1, direct);

const served = {
  rps: TOTAL / (concurrent.wallMs / 1000),
  p50: quantile(concurrent.latencies, 0.5),
  p99: quantile(concurrent.latencies, 0.99),
  seqP50: quantile(sequential.latencies, 0.5),
  cpuMsPerRequest: serverCpuMs / TOTAL,
};
const directStats = { rps: TOTAL / (directConcurrent.wallMs / 1000), seqP50: quantile(directSequential.latencies, 0.5), cpuMsPerRequest: directCpuMs / TOTAL };
const overheadCpuMs = served.cpuMsPerRequest - directStats.cpuMsPerRequest;
const overheadSeqMs = served.seqP50 - directStats.seqP50;
const overheadLoadMs = 1000 / served.rps - 1000 / directStats.rps;
const result = { machine: m, concurrency: CONCURRENCY, requests: TOTAL, served, rssMb: rss, direct: directStats, overheadSeqMs, overheadLoadMs, overheadCpuMs, errors: errorsLine };

if (has("json")) process.stdout.write(JSON.stringify(result, null, 2) + "\n");

const md = [
  ...sectionHead("Serving (`tts-graph serve`)", "npm run build && npm run bench:serve", `${machineLine(m)} The script took ${((performance.now() - started) / 1000).toFixed(1)} s.`),
  `The built bin serves the fan-in graph (3 assistants and a fuser, 4 calls a request) on the simulator (sim:math, sim:llama) in a child process, without a response cache; this process sends ${fmt(TOTAL)} chat completions, ${CONCURRENCY} in flight, each with its own seed, over keep-alive connections. Memory is the server's resident set.`,
  "",
  "| requests | in flight | requests/s | p50 latency | p99 latency | server RSS at start / peak / end | errors |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  `| ${fmt(TOTAL)} | ${CONCURRENCY} | ${fmt(served.rps)} | ${fmt(served.p50, 1)} ms | ${fmt(served.p99, 1)} ms | ${fmt(rss.start)} / ${fmt(rss.peak)} / ${fmt(rss.end)} MB | ${errorsLine.length === 0 ? "0" : errorsLine.join(", ")} |`,
  "",
  "Against running the same graph on the same items and seeds directly (the executor in one process, no HTTP, no JSON):",
  "",
  "| path | one at a time, p50 | 64 at a time, runs/s | CPU per request (64 at a time) |",
  "| --- | --- | --- | --- |",
  `| \`serve\` over HTTP (server process) | ${fmt(served.seqP50, 2)} ms | ${fmt(served.rps)} | ${fmt(served.cpuMsPerRequest, 2)} ms |`,
  `| executor directly | ${fmt(directStats.seqP50, 2)} ms | ${fmt(directStats.rps)} | ${fmt(directStats.cpuMsPerRequest, 2)} ms |`,
  "",
  `The server's overhead per request: ${fmt(overheadCpuMs, 2)} ms of CPU (HTTP, JSON, request checks, metrics and the trace in \`tts_graph\`), ${fmt(overheadSeqMs, 2)} ms of latency one at a time, and ${fmt(overheadLoadMs, 2)} ms of wall time per request at ${CONCURRENCY} in flight (the difference of 1 / throughput). The wall-time figures include the client and server processes waiting for the shared cores (see the load average above); CPU time is the figure that says what serving costs. On the simulator a node call costs microseconds; against real models (hundreds of ms a call) the overhead is negligible.`,
].join("\n");

if (write) writeSection("serve", md);
else process.stdout.write(md + "\n");
