/** `tts-graph eval` and `tts-graph run` end to end: the built binary against a real test server. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../helpers/cli.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { adder, FAN_IN, operands, writeArithmeticTask } from "./helpers.js";

let server: TestServer;
const dir = tempDir();
const { path: taskPath } = writeArithmeticTask(dir, [
  [1, 2],
  [3, 4],
  [5, 6],
  [7, 8],
  [9, 10],
]);
const graphPath = join(dir, "fan-in.json");
writeFileSync(graphPath, JSON.stringify(FAN_IN));
const poolPath = join(dir, "pool.yaml");
const cachePath = join(dir, "cache.sqlite");

beforeAll(async () => {
  server = await startOpenAIServer({ models: ["small", "big"] });
  writeFileSync(
    poolPath,
    [
      "models:",
      ...["small", "big"].flatMap((id) => [
        `  - id: ${id}`,
        "    family: test",
        `    params: ${id === "big" ? 3e9 : 1e9}`,
        "    layers: 16",
        "    hidden: 2048",
        "    endpoint:",
        "      kind: openai",
        `      baseURL: ${server.baseURL}`,
        `      model: ${id}`,
      ]),
    ].join("\n") + "\n",
  );
});
afterAll(() => server.close());
beforeEach(() => {
  server.resetStats();
  // Wrong on 5 + 6; the big model's server refuses 7 + 8.
  server.setHandler((req) => {
    const [a] = operands(req)!;
    if (a === 7 && req.body!.model === "big") return { kind: "status", status: 400, message: "refused" };
    return adder((x) => x === 5)(req);
  });
});

const evalArgs = (...extra: string[]) => ["eval", graphPath, "--task", taskPath, "--style", "number", "--pool", poolPath, "--limit", "5", ...extra];

describe("tts-graph eval", () => {
  it("prints one JSON document with accuracy, errored items apart, costs and cache use; a rerun is served from the cache", async () => {
    const first = await runCli(evalArgs("--cache", cachePath, "--json"), { cwd: dir });
    expect(first.stderr).not.toMatch(/^error/m);
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a.items).toBeGreaterThan(0);
    expect(a.calls).toBe(4 * a.items);
    // Each errored item had one failed call, which is neither stored nor counted as a miss.
    expect(a.cache).toEqual({ hits: 0, misses: a.calls - a.errored, path: cachePath });
    expect(a.accuracy.n).toBe(a.items - a.errored);
    expect(a.meanFlops).toBeGreaterThan(0);
    expect(a.meanUnits).toBeGreaterThan(0);
    expect(a.itemResults).toHaveLength(a.items);
    for (const r of a.itemResults) if (r.errored) expect(r.correct).toBeNull();
    expect(a.itemResults.filter((r: { correct: boolean | null }) => r.correct === true)).toHaveLength(a.correct);
    const requests = server.chatRequests().length;
    expect(requests).toBe(a.calls);

    const second = await runCli(evalArgs("--cache", cachePath, "--json"), { cwd: dir });
    expect(second.code).toBe(0);
    const b = JSON.parse(second.stdout);
    expect(b.accuracy).toEqual(a.accuracy);
    expect(b.meanFlops).toBe(a.meanFlops);
    // Errors are never cached, so only the failed calls go to the server again.
    expect(server.chatRequests().length - requests).toBe(a.errored);
    expect(b.cache.hits).toBe(a.cache.misses);

    const third = await runCli(evalArgs("--no-cache", "--json"), { cwd: dir });
    expect(third.code).toBe(0);
    const c = JSON.parse(third.stdout);
    expect(c.cache).toEqual({ hits: 0, misses: 0, path: null });
    expect(server.chatRequests().length - requests - a.errored).toBe(c.calls);
    expect(existsSync(join(dir, ".tts-graph"))).toBe(false);
  });

  it("prints a readable summary and progress on stderr, caching in .tts-graph/ by default", async () => {
    const out = await runCli(evalArgs(), { cwd: dir });
    expect(out.stdout).toMatch(/accuracy: .*% \(\d+\/\d+\), 95% CI \[/);
    expect(out.stdout).toMatch(/errored: \d+ item/);
    expect(out.stdout).toMatch(/mean cost: .* FLOPs = .* budget units/);
    expect(out.stdout).toMatch(/latency: mean \d+ ms, p95 \d+ ms/);
    expect(out.stdout).toMatch(/cache: \d+ hits, \d+ misses/);
    expect(out.stderr).toMatch(/\d+\/\d+ items, \d+ correct, \d+ errored/);
    expect(existsSync(join(dir, ".tts-graph", "cache.sqlite"))).toBe(true);
  });

  it("writes full traces when asked", async () => {
    const traces = join(dir, "traces.jsonl");
    const out = await runCli(evalArgs("--traces", traces, "--no-cache", "--json"), { cwd: dir });
    expect(out.code).toBe(0);
    const lines = readFileSync(traces, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(JSON.parse(out.stdout).items);
    expect(lines[0].nodes[0].prompt.length).toBeGreaterThan(0);
  });

  it("requires --pool for a real task, with a clear message", async () => {
    const out = await runCli(["eval", graphPath, "--task", taskPath, "--json"], { cwd: dir });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--pool is required/);
    expect(JSON.parse(out.stdout).error.code).toBe("pool_required");
  });

  it("rejects a graph naming a model outside the pool, before any call", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...FAN_IN, nodes: FAN_IN.nodes.map((n) => (n.id === "fuse" ? { ...n, model: "huge" } : n)) }));
    const out = await runCli(["eval", bad, "--task", taskPath, "--pool", poolPath], { cwd: dir });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/huge/);
    expect(server.chatRequests()).toHaveLength(0);
  });
});

describe("tts-graph run", () => {
  it("answers one question and shows each node", async () => {
    const out = await runCli(["run", graphPath, "What is 2 + 3?", "--style", "number", "--pool", poolPath, "--no-cache", "--json"], { cwd: dir });
    expect(out.code).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.answer).toBe("5");
    expect(r.errored).toBe(false);
    expect(r.nodes).toHaveLength(4);
    expect(r.nodes.map((n: { sampleIndex: number }) => n.sampleIndex).sort()).toEqual([0, 0, 1, 2]);
    expect(r.flops).toBeGreaterThan(0);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(server.chatRequests()).toHaveLength(4);

    const text = await runCli(["run", graphPath, "What is 2 + 3?", "--style", "number", "--pool", poolPath, "--no-cache"], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^answer: 5$/m);
    expect(text.stdout).toMatch(/fuse\s+big\s+fuser\s+5/);
    expect(text.stdout).toMatch(/latency: \d+ ms \(critical path\)/);
  });

  it("exits 1 and reports the error when a call fails", async () => {
    const out = await runCli(["run", graphPath, "What is 7 + 1?", "--style", "number", "--pool", poolPath, "--no-cache", "--json"], { cwd: dir });
    expect(out.code).toBe(1);
    const r = JSON.parse(out.stdout);
    expect(r.errored).toBe(true);
    expect(r.error.message).toMatch(/refused/);
  });
});

describe("on the simulator", () => {
  const fanIn = join(ROOT, "examples", "graphs", "fan-in.json");
  const simDir = tempDir();

  it("tts-graph eval examples/graphs/fan-in.json --task sim:math --json works end to end on the default sim pool", async () => {
    const out = await runCli(["eval", fanIn, "--task", "sim:math", "--limit", "200", "--json"], { cwd: simDir });
    expect(out.code).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r).toMatchObject({ task: "sim:math", pool: "sim:mixed", split: "test", items: 200, errored: 0, calls: 800, estimatedCalls: 0, retries: 0 });
    expect(r.accuracy.n).toBe(200);
    expect(r.correct).toBe(r.itemResults.filter((i: { correct: boolean }) => i.correct).length);
    expect(r.accuracy.low).toBeLessThan(r.accuracy.rate);
    expect(r.accuracy.high).toBeGreaterThan(r.accuracy.rate);
    expect(r.meanUnits).toBeGreaterThan(1);
    expect(r.meanLatencyMs).toBeGreaterThan(0);
    // The simulator is not cached: no cache file is created.
    expect(r.cache).toEqual({ hits: 0, misses: 0, path: null });
    expect(existsSync(join(simDir, ".tts-graph"))).toBe(false);
  });

  it("tts-graph run asks a simulated task's item by id and grades it", async () => {
    const out = await runCli(["run", fanIn, "math-test-0", "--task", "sim:math", "--json"], { cwd: simDir });
    expect(out.code).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.itemId).toBe("math-test-0");
    expect(typeof r.correct).toBe("boolean");
    expect(r.nodes).toHaveLength(4);
  });
});
