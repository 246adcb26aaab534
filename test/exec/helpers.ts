/** Shared set-up for executor tests: a small arithmetic task in a JSONL file and a pool on the test server. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Graph } from "../../src/graph/schema.js";
import type { LoadedPool } from "../../src/models/pool.js";
import type { ModelSpec } from "../../src/models/spec.js";
import { fileTask } from "../../src/tasks/file.js";
import type { DatasetTask } from "../../src/tasks/task.js";
import type { Behaviour, RecordedRequest } from "../helpers/openai-server.js";

/** Addition questions `What is A + B?`; gold answers are the sums. */
export function writeArithmeticTask(dir: string, pairs: [number, number][]): { path: string; task: DatasetTask } {
  const path = join(dir, `arith-${pairs.length}.jsonl`);
  writeFileSync(path, pairs.map(([a, b], i) => JSON.stringify({ id: `q${i}`, question: `What is ${a} + ${b}?`, answer: String(a + b) })).join("\n") + "\n");
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

/** Three `small` assistants fused by a `big` fuser. */
export const FAN_IN: Graph = {
  version: 1,
  nodes: [
    { id: "a1", role: "assistant", model: "small" },
    { id: "a2", role: "assistant", model: "small" },
    { id: "a3", role: "assistant", model: "small" },
    { id: "fuse", role: "fuser", model: "big" },
  ],
  edges: [
    ["a1", "fuse"],
    ["a2", "fuse"],
    ["a3", "fuse"],
  ],
  output: "fuse",
};

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
