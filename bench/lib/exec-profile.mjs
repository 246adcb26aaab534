// The executor on the simulator, for a CPU profile: bench/exec.mjs runs this under `node --cpu-prof`.
import { createExecContext, evaluate, resolveProviders } from "../../dist/index.js";
import { resolvePool, resolveTask } from "../../dist/resolve.js";

const reps = Number(process.argv[2] ?? "4");
const task = resolveTask("sim:math", {});
const pool = resolvePool("sim:llama");
const ctx = createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }), concurrency: 8, seed: 0 });
const fanIn = {
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
const items = task.items("search");
for (let r = 0; r < reps; r++) await evaluate(fanIn, items, ctx, { keepPrompts: false, keepText: false, keepTraces: false });
