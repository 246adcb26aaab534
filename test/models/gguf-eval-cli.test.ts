/**
 * `tts-graph eval` and `tts-graph run` on the tiny GGUF pool, through the built binary: real models,
 * real token counts, FLOPs from them, grading. Needs `npm run build` (npm test builds first).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createArithTask } from "../../src/tasks/arith.js";
import { runCli } from "../helpers/cli.js";
import { llamaMissing } from "../helpers/gguf.js";
import { tempDir } from "../helpers/tmp.js";

const missing = await llamaMissing("tts-graph eval on the tiny pool");

const POOL = "examples/pools/tiny-gguf.yaml";
const GRAPH = "examples/graphs/tiny-fuse.json";

describe.skipIf(missing !== null)("tts-graph on the tiny GGUF pool", () => {
  const dir = tempDir("tts-graph-tiny-cli-");

  it("evaluates a graph on the arith task", async () => {
    const r = await runCli(["eval", GRAPH, "--task", "arith", "--pool", POOL, "--limit", "40", "--no-cache", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & { itemResults: Array<{ id: string; answer: string | null }> };
    expect(out).toMatchObject({ task: "arith", split: "test", items: 40, errored: 0, calls: 160, estimatedCalls: 0 });
    const items = createArithTask().items("test").slice(0, 40);
    expect(out.itemResults.map((i) => i.id)).toEqual(items.map((i) => i.id));
    expect(out.itemResults.every((i) => i.answer === null || /^\d+$/.test(i.answer))).toBe(true);
    expect(out.meanFlops as number).toBeGreaterThan(0);
    expect((out.accuracy as { rate: number }).rate).toBeGreaterThan(0.3);
  });

  it("writes traces with the compact prompts and real token counts", async () => {
    const traces = join(dir, "traces.jsonl");
    const r = await runCli(["eval", GRAPH, "--task", "arith", "--pool", POOL, "--limit", "5", "--no-cache", "--traces", traces, "--json"]);
    expect(r.code).toBe(0);
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync(traces, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { nodes: Array<{ id: string; prompt: Array<{ content: string }>; promptTokens: number; completionTokens: number; text: string; estimated: boolean }> });
    expect(lines).toHaveLength(5);
    for (const t of lines) {
      for (const n of t.nodes) {
        const prompt = n.prompt.map((m) => m.content).join("");
        expect(prompt).toMatch(n.id === "fuse" ? /^\d+[+\-*]\d+#[\d?]+,[\d?]+,[\d?]+=$/ : /^\d+[+\-*]\d+=$/);
        expect(n.promptTokens).toBe(prompt.length + 1);
        expect(n.completionTokens).toBe(n.text.length + 1);
        expect(n.estimated).toBe(false);
      }
    }
  });

  it("answers one question with run", async () => {
    const r = await runCli(["run", GRAPH, "12+30", "--task", "arith", "--pool", POOL, "--temperature", "0", "--no-cache", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { answer: string | null };
    expect(out.answer).toMatch(/^\d+$/);
  });
});
