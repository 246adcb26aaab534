import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("tts-graph graph", () => {
  it("cost reports the paper's budget 18 for the b = 4 reference graph", async () => {
    const r = await runCli(["graph", "cost", "examples/graphs/paper-reference-b4.json", "--task", "paper:math", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.units.toFixed(3)).toBe("17.753");
    expect(out.nodes).toHaveLength(5);
    expect(out.nodes[4].inDegree).toBe(4);
  });

  it("cost prints a table, the total and budget units as text", async () => {
    const r = await runCli(["graph", "cost", "examples/graphs/fan-in.json", "--budget", "18"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fuse\s+llama-3b\s+3/);
    expect(r.stdout).toMatch(/total: .* FLOPs = 11\.340 budget units/);
    expect(r.stdout).toMatch(/within budget/);
  });

  it("show prints Mermaid, levels, width and depth", async () => {
    const r = await runCli(["graph", "show", "examples/graphs/chain.json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flowchart LR/);
    expect(r.stdout).toMatch(/level 2: final/);
    expect(r.stdout).toMatch(/width 1, depth 3/);
    const j = await runCli(["graph", "show", "examples/graphs/fan-in.json", "--json"]);
    expect(JSON.parse(j.stdout)).toMatchObject({ width: 3, depth: 2, levels: [["a1", "a2", "a3"], ["fuse"]] });
    const dot = await runCli(["graph", "show", "examples/graphs/fan-in.json", "--format", "dot"]);
    expect(dot.stdout).toMatch(/digraph "fan-in"/);
  });

  it("show --format dot prints only DOT on stdout, the levels on stderr", async () => {
    const dot = await runCli(["graph", "show", "examples/graphs/fan-in.json", "--format", "dot"]);
    expect(dot.code).toBe(0);
    expect(dot.stdout.trim()).toMatch(/^digraph "fan-in" \{[\s\S]*\}$/);
    expect(dot.stdout).not.toMatch(/level \d|width \d/);
    expect(dot.stderr).toMatch(/level 1: fuse\nwidth 3, depth 2, hash /);
  });

  it("validate accepts every example", async () => {
    for (const g of ["single", "fan-in", "chain", "paper-reference-b4"]) {
      const r = await runCli(["graph", "validate", `examples/graphs/${g}.json`, "--pool", "paper"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/valid graph/);
    }
  });

  const bad: [string, string, RegExp, string[]?][] = [
    ["syntax.json", '{"version": 1, "nodes": [\n  {"id": "a",, "role": "assistant"}\n]}', /not valid JSON at line 2/],
    ["missing.json", JSON.stringify({ version: 1, nodes: [{ id: "a", role: "assistant" }], edges: [], output: "a" }), /nodes\[0\]\.model/],
    [
      "cycle.json",
      JSON.stringify({
        version: 1,
        nodes: [
          { id: "a", role: "assistant", model: "llama-1b" },
          { id: "b", role: "assistant", model: "llama-1b" },
          { id: "c", role: "assistant", model: "llama-3b" },
        ],
        edges: [["a", "b"], ["b", "a"], ["b", "c"]],
        output: "c",
      }),
      /cycle: (a -> b -> a|b -> a -> b)/,
    ],
    ["unknown-model.json", JSON.stringify({ version: 1, nodes: [{ id: "a", role: "assistant", model: "gpt-9" }], edges: [], output: "a" }), /nodes\[0\]\.model: node "a" uses model "gpt-9", which is not in the pool/, ["--pool", "paper"]],
  ];
  it.each(bad)("%s exits 2 naming the problem", async (name, text, pattern, extra = []) => {
    const path = file(name, text);
    for (const cmd of ["validate", "cost", "show"]) {
      const r = await runCli(["graph", cmd, path, ...extra]);
      if (cmd === "show" && name === "unknown-model.json") continue; // show does not check models without --pool
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(path);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe("");
    }
  });

  it("a missing file exits 2; --json puts the error document on stdout", async () => {
    const r = await runCli(["graph", "validate", join(dir, "nope.json"), "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not exist/);
    expect(JSON.parse(r.stdout).error.code).toBe("file_unreadable");
  });

  it("a bad flag value is a usage error", async () => {
    const r = await runCli(["graph", "cost", "examples/graphs/single.json", "--budget", "lots"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--budget expects a number/);
  });
});
