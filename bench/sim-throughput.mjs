// Simulated node calls per second on one core, through the ground-truth fast path (the code behind
// `tts-graph sim truth`), on the built package. Rewrites its section of BENCHMARKS.md.
//
//     npm run build && node bench/sim-throughput.mjs                 (100,000 items per graph, seconds)
//     npm run build && node bench/sim-throughput.mjs --quick         (10,000 items; --write to record it)
//
// Options: --items N, --no-write, --json. Reports CPU time as well as wall time: on a shared machine
// the CPU figure is the one that says what one core does.
import { builtinSimProfile, createSimWorld, layeredGraph, simTruth } from "tts-graph/sim";
import { SIM_CASES } from "./lib/graphs.mjs";
import { flags, machine, machineLine, writeSection } from "./lib/record.mjs";

const { get, has } = flags();
const quick = has("quick");
const write = quick ? has("write") : !has("no-write");
const items = Number(get("items", quick ? "10000" : "100000"));

const world = createSimWorld(builtinSimProfile("math"), 0);
const cases = [...SIM_CASES, ["layers 3 x 3 of 3B (10 nodes)", layeredGraph("llama-3b", 3, 3)]];
const m = machine();

const rows = [];
for (const [name, graph] of cases) {
  simTruth(world, graph, { items: Math.min(items, 2000) }); // warm up the JIT
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = simTruth(world, graph, { items });
  const wallMs = performance.now() - t0;
  const cpuMs = process.cpuUsage(cpu0).user / 1000;
  rows.push({ graph: name, nodes: graph.nodes.length, items, calls: r.calls, wallMs: Math.round(wallMs), cpuMs: Math.round(cpuMs), callsPerSecCpu: Math.round(r.calls / (cpuMs / 1000)), callsPerSecWall: Math.round(r.calls / (wallMs / 1000)), accuracy: r.accuracy });
}

const n = (x) => x.toLocaleString("en");
const big = rows.filter((r) => r.nodes >= 10);
const small = rows.filter((r) => r.nodes < 10);
const range = (rs) => `${n(Math.min(...rs.map((r) => r.callsPerSecCpu)))} to ${n(Math.max(...rs.map((r) => r.callsPerSecCpu)))}`;
const md = [
  "## Simulator throughput",
  "",
  "Simulated node calls per second through the ground-truth fast path (the code behind `tts-graph sim truth`), one process, on the built package:",
  "",
  "    npm run build && node bench/sim-throughput.mjs",
  "",
  `Machine: ${machineLine(m)} CPU time is the process's user time, the better measure of what one core does on a busy machine; wall time includes waiting for the CPU.`,
  "",
  "| graph | nodes | items | node calls | wall ms | CPU ms | calls/s (CPU) | calls/s (wall) |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.graph} | ${r.nodes} | ${r.items} | ${r.calls} | ${r.wallMs} | ${r.cpuMs} | ${n(r.callsPerSecCpu)} | ${n(r.callsPerSecWall)} |`),
  "",
  `Ten-node graphs: ${range(big)} node calls per CPU-second; graphs of one to four nodes: ${range(small)}, since drawing the item itself (its wrong-answer weights for every model) is a larger share of the work there.`,
].join("\n");

if (has("json")) console.log(JSON.stringify({ machine: m, rows }, null, 2));
else console.log(md);
if (write) {
  writeSection("sim-throughput", md);
  process.stderr.write("wrote its section of BENCHMARKS.md\n");
}
