// The executor on the simulator, for a CPU profile: bench/exec.mjs runs this under `node --cpu-prof`.
import { createExecContext, evaluate, resolvePool, resolveProviders, resolveTask } from "tts-graph";
import { FAN_IN } from "./graphs.mjs";

const reps = Number(process.argv[2] ?? "4");
const task = resolveTask("sim:math", {});
const pool = resolvePool("sim:llama");
const ctx = createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }), concurrency: 8, seed: 0 });
const items = task.items("search");
for (let r = 0; r < reps; r++) await evaluate(FAN_IN, items, ctx, { keepPrompts: false, keepText: false, keepTraces: false });
