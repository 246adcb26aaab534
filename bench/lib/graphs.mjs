/** Graphs the simulator and executor benchmarks share, so their figures are of the same graphs. */
import { layeredGraph, randomGraph, Rng } from "tts-graph/sim";

/** Three llama-1b assistants answering in parallel, fused by one llama-3b. */
export const FAN_IN = {
  version: 1,
  nodes: [
    { id: "a1", role: "assistant", model: "llama-1b" },
    { id: "a2", role: "assistant", model: "llama-1b" },
    { id: "a3", role: "assistant", model: "llama-1b" },
    { id: "fuse", role: "fuser", model: "llama-3b" },
  ],
  edges: [["a1", "fuse"], ["a2", "fuse"], ["a3", "fuse"]],
  output: "fuse",
};

const TEN = ["llama-1b", "llama-1b", "llama-1b", "llama-1b", "llama-3b", "llama-3b", "llama-3b", "llama-8b", "llama-1b", "llama-3b"];

/** [name, graph]: one node, a fan-in of four, and a seeded random graph of ten. */
export const SIM_CASES = [
  ["single llama-8b", layeredGraph("llama-8b", 1, 1)],
  ["fan-in 3x1B -> 3B fuser", FAN_IN],
  ["random 10-node graph", randomGraph(TEN, new Rng(7, "bench"), 0.3)],
];
