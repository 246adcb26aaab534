/** Shared set-up for executor tests: a small arithmetic task in a JSONL file and a pool on the test server. */
import { join } from "node:path";
import { createExecContext, type ExecContext, type ExecContextOptions } from "../../src/exec/context.js";
import type { Graph } from "../../src/graph/schema.js";
import type { LoadedPool } from "../../src/models/pool.js";
import type { ModelSpec } from "../../src/models/spec.js";
import { resolveProviders, type ResolveProvidersOptions } from "../../src/resolve.js";
import { fileTask } from "../../src/tasks/file.js";
import type { DatasetTask } from "../../src/tasks/task.js";
import type { Behaviour, RecordedRequest } from "../helpers/openai-server.js";
import { fanIn } from "../helpers/graphs.js";
import { writeJsonl } from "../helpers/tmp.js";

/** Addition questions `What is A + B?`; gold answers are the sums. */
export function writeArithmeticTask(dir: string, pairs: [number, number][]): { path: string; task: DatasetTask } {
  const path = writeJsonl(
    join(dir, `arith-${pairs.length}.jsonl`),
    pairs.map(([a, b], i) => ({ id: `q${i}`, question: `What is ${a} + ${b}?`, answer: String(a + b) })),
  );
  return { path, task: fileTask(path, { style: "number" }) };
}

/** The first `A + B` in the request's last user message. */
export function operands(req: RecordedRequest): [number, number] | null {
  const text = req.body?.messages?.at(-1)?.content ?? "";
  const m = /What is (\d+) \+ (\d+)\?/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** A server answer that adds correctly, except that it answers `wrong` for the questions listed. */
export function adder(wrongFor: (a: number, b: number) => boolean = () => false): (req: RecordedRequest) => Behaviour {
  return (req) => {
    const ops = operands(req);
    if (!ops) return { kind: "status", status: 400, message: "no question found" };
    const [a, b] = ops;
    const sum = wrongFor(a, b) ? a + b + 1 : a + b;
    return { kind: "answer", text: `${a} plus ${b} makes ${sum}. \\boxed{${sum}}` };
  };
}

export function openaiModel(id: string, baseURL: string, extra: Partial<Extract<ModelSpec["endpoint"], { kind: "openai" }>> = {}): ModelSpec {
  return { id, family: "test", params: id === "big" ? 3e9 : 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL, model: id, ...extra } };
}

export function poolOf(models: ModelSpec[]): LoadedPool {
  return { pool: { models }, source: "test-pool", baseDir: "." };
}

/** Provider options whose retries wait a millisecond or two, for tests that make calls fail. */
export const FAST_RETRY: ResolveProvidersOptions = { openai: { retry: { initialDelayMs: 1, maxDelayMs: 2 } } };

/** An executor context for `task` whose models (`small` and `big` by default) are served by the test server at `baseURL`. */
export function serverContext(
  task: DatasetTask,
  baseURL: string,
  options: Partial<ExecContextOptions> = {},
  providerOptions: ResolveProvidersOptions = {},
  models: ModelSpec[] = [openaiModel("small", baseURL), openaiModel("big", baseURL)],
): ExecContext {
  return createExecContext({ task, models, providers: resolveProviders(poolOf(models), providerOptions), ...options });
}

/** One `small` assistant. */
export const SINGLE: Graph = { version: 1, nodes: [{ id: "solo", role: "assistant", model: "small" }], edges: [], output: "solo" };

/** Three `small` assistants fused by a `big` fuser. */
export const FAN_IN: Graph = fanIn("small", "big");

/**
 * A handler wrapper that holds the first responses until `n` chat requests are waiting at once (or a
 * generous deadline passes), so a test can prove that `n` calls were in flight together without
 * relying on timing. Requests after that first group pass straight through.
 */
export function barrier(n: number, inner: (req: RecordedRequest) => Behaviour, deadlineMs = 5000): (req: RecordedRequest) => Promise<Behaviour> {
  let waiting: (() => void)[] = [];
  let opened = false;
  return (req) =>
    new Promise<Behaviour>((resolve) => {
      const release = () => resolve(inner(req));
      if (opened) return release();
      waiting.push(release);
      if (waiting.length >= n) {
        opened = true;
        const batch = waiting;
        waiting = [];
        for (const r of batch) r();
      } else {
        setTimeout(() => {
          const i = waiting.indexOf(release);
          if (i >= 0) {
            waiting.splice(i, 1);
            release();
          }
        }, deadlineMs);
      }
    });
}
