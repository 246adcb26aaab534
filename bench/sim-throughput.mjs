// Simulated node calls per second on one core, through the ground-truth fast path (the code behind
// `tts-graph sim truth`), on the built package.
//
//     npm run build && node bench/sim-throughput.mjs [--items N] [--json]
//
// Reports CPU time as well as wall time: on a shared machine the CPU figure is the one that says
// what one core does.
import { cpus } from "node:os";
import { builtinSimProfile, createSimWorld, layeredGraph, randomGraph, simTruth, Rng } from "../dist/index.js";

const args = process.argv.slice(2);
const itemsArg = args.indexOf("--items");
const items = itemsArg >= 0 ? Number(args[itemsArg + 1]) : 10_000;
const json = args.includes("--json");

const world = createSimWorld(builtinSimProfile("math"), 0);
const ten = ["llama-1b", "llama-1b", "llama-1b", "llama-1b", "llama-3b", "llama-3b", "llama-3b", "llama-8b", "llama-1b", "llama-3b"];
const cases = [
  ["single llama-8b", layeredGraph("llama-8b", 1, 1)],
  ["fan-in 3x1B -> 3B fuser", { version: 1, nodes: [
    { id: "a1", role: "assistant", model: "llama-1b" }, { id: "a2", role: "assistant", model: "llama-1b" },
    { id: "a3", role: "assistant", model: "llama-1b" }, { id: "fuse", role: "fuser", model: "llama-3b" }],
    edges: [["a1", "fuse"], ["a2", "fuse"], ["a3", "fuse"]], output: "fuse" }],
  ["random 10-node graph", randomGraph(ten, new Rng(7, "bench"), 0.3)],
  ["layers 3 x 3 of 3B (10 nodes)", layeredGraph("llama-3b", 3, 3)],
];

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

const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version, date: new Date().toISOString().slice(0, 10) };
if (json) {
  console.log(JSON.stringify({ machine, rows }, null, 2));
} else {
  console.log(`machine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.date}`);
  console.log("| graph | nodes | items | node calls | wall ms | CPU ms | calls/s (CPU) | calls/s (wall) |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.graph} | ${r.nodes} | ${r.items} | ${r.calls} | ${r.wallMs} | ${r.cpuMs} | ${r.callsPerSecCpu.toLocaleString("en")} | ${r.callsPerSecWall.toLocaleString("en")} |`);
}
