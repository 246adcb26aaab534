/**
 * Turns the names users type (`--task sim:math`, `--pool sim:llama`, a file path, `paper:math`)
 * into tasks, pools and providers. This is the one place that knows every built-in; the CLI, the
 * server and the benchmarks go through it, and the layers below never import it.
 */
import { existsSync } from "node:fs";
import { UserError } from "./errors.js";
import { PAPER_MODELS, PAPER_TASKS } from "./cost/paper.js";
import type { TaskTokens } from "./cost/tokens.js";
import { loadPoolFile, type LoadedPool } from "./models/pool.js";
import type { ModelSpec } from "./models/spec.js";

export interface ResolveOptions {
  /** Folder of benchmark data for built-in tasks (else `TTS_GRAPH_DATA`). */
  dataDir?: string | undefined;
  /** Seed for splits and simulated worlds. */
  seed?: number | undefined;
}

/** The paper's seven models, run by the simulator. */
function paperPool(): LoadedPool {
  const models: ModelSpec[] = PAPER_MODELS.map((m) => ({ id: m.id, family: m.family, params: m.params, layers: m.layers, hidden: m.hidden, endpoint: { kind: "sim" as const } }));
  return { pool: { name: "paper", models }, source: "paper", baseDir: process.cwd() };
}

/** Resolve a pool name or file. */
export function resolvePool(spec: string | undefined): LoadedPool {
  const name = spec ?? "paper";
  if (name === "paper") return paperPool();
  if (existsSync(name)) return loadPoolFile(name);
  throw new UserError(`unknown pool "${name}": expected a pool file (YAML or JSON) or a built-in pool (paper)`, { code: "unknown_pool", source: "--pool" });
}

/** Token constants of a task, for a-priori cost. Needs no data. */
export function resolveTaskTokens(spec: string | undefined): TaskTokens {
  const name = spec ?? "paper:math";
  if (name.startsWith("paper:")) {
    const t = PAPER_TASKS[name.slice("paper:".length)];
    if (t) return t;
    throw new UserError(`unknown paper task "${name}": expected one of ${Object.keys(PAPER_TASKS).map((k) => "paper:" + k).join(", ")}`, { code: "unknown_task", source: "--task" });
  }
  throw new UserError(`unknown task "${name}": expected paper:math, paper:mmlu or paper:humaneval`, { code: "unknown_task", source: "--task" });
}
