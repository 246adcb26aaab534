/**
 * Bad input through the built CLI, one case per test: each exits with code 2, names the file, line or
 * field and what was expected, prints no stack trace, and leaves no run folder behind.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("tts-graph-bad-input-");

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/**
 * Models behind an address nothing listens on: every case here must fail before any call. The
 * searches skip the endpoint probe (`--no-probe`), which would otherwise report the dead address
 * first; test/models/fail-fast.test.ts covers it.
 */
const POOL = file(
  "pool.json",
  JSON.stringify({
    version: 1,
    models: [
      { id: "weak", family: "t", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL: "http://127.0.0.1:9/v1", model: "weak", maxRetries: 0 } },
      { id: "mid", family: "t", params: 3e9, layers: 28, hidden: 3072, endpoint: { kind: "openai", baseURL: "http://127.0.0.1:9/v1", model: "mid", maxRetries: 0 } },
    ],
  }),
);

let runs = 0;
/** `tts-graph search` on the arith task with the pool above, into a fresh output folder. */
async function search(args: string[]): Promise<{ r: CliResult; out: string }> {
  const out = join(dir, `run-${runs++}`);
  const r = await runCli(["search", "--task", "arith", "--pool", POOL, "--evals", "120", "--no-probe", ...args, "--out", out], { cwd: dir });
  return { r, out };
}

/** A search the CLI refuses as a user error (every pattern in the message) without leaving a run folder. */
async function searchRejected(args: string[], ...patterns: (string | RegExp)[]): Promise<void> {
  const { r, out } = await search(args);
  expectUserError(r, ...patterns);
  expect(existsSync(out)).toBe(false);
}

/** Exit 2, every pattern in the message, no stack trace. */
function expectUserError(r: CliResult, ...patterns: (string | RegExp)[]): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^error: /m);
  for (const p of patterns) {
    if (typeof p === "string") expect(r.stderr).toContain(p);
    else expect(r.stderr).toMatch(p);
  }
  expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

describe("search config files", () => {
  it("malformed YAML: names the file and the line", async () => {
    const cfg = file("malformed.yaml", "seed: 3\nbudget: [1, 2\nevals: 5\n");
    await searchRejected(["--config", cfg], "malformed.yaml", /not valid YAML at line \d+/);
  });

  it("invalid fields: every field named with what was expected", async () => {
    const cfg = file("invalid.yaml", "budget: lots\nselection:\n  candidates: 0\nsamplez: 3\n");
    await searchRejected(["--config", cfg], "invalid.yaml", /budget: .*expected number/, /selection\.candidates: .*(>=|at least|too small)/i, "samplez");
  });

  it("a YAML alias bomb: refused within a fixed bound of time, naming the aliases", async () => {
    const levels = "abcdefghij".split("");
    const lines = [`a: &a [${Array(10).fill('"lol"').join(", ")}]`];
    for (let k = 1; k < levels.length; k++) lines.push(`${levels[k]}: &${levels[k]} [${Array(10).fill(`*${levels[k - 1]}`).join(", ")}]`);
    const cfg = file("bomb.yaml", lines.join("\n") + "\n");
    const started = Date.now();
    await searchRejected(["--config", cfg], "bomb.yaml", /YAML aliases expand past 100 \(an alias bomb\)/);
    // Ten billion strings if expanded; refused after a bounded amount of work instead.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("an oversized config file: refused before it is read, naming the size and the limit", async () => {
    const cfg = join(dir, "huge.yaml");
    writeFileSync(cfg, "seed: 1\n" + `# ${"x".repeat(1023)}\n`.repeat(33 * 1024));
    await searchRejected(["--config", cfg], "huge.yaml", /is 33\.\d MiB, larger than the 32 MiB a search config may be/);
  });

  it("an empty config file, or one of comments only: refused, not taken for defaults", async () => {
    await searchRejected(["--config", file("empty.yaml", "")], /search config .*empty\.yaml is empty/);
    await searchRejected(["--config", file("comments.yaml", "# nothing here yet\n")], /comments\.yaml holds no value/);
    await searchRejected(["--config", file("empty.json", "\n")], /empty\.json is empty/);
  });

  it("--json: the issues come as one JSON document on stdout", async () => {
    const cfg = file("invalid-json.yaml", "budget: lots\n");
    const { r } = await search(["--config", cfg, "--json"]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: { code: string; issues: { path: string; message: string }[] } };
    expect(doc.error.issues.some((i) => i.path === "budget" && /expected number/.test(i.message))).toBe(true);
  });
});

describe("pool files", () => {
  it("a GGUF model whose file is missing: names the model and the file, and leaves no run folder", async () => {
    const pool = file(
      "pool-gguf.json",
      JSON.stringify({ version: 1, models: [{ id: "tiny", family: "t", params: 1e8, layers: 4, hidden: 256, endpoint: { kind: "gguf", path: "models/absent.gguf" } }] }),
    );
    const out = join(dir, "gguf-run");
    const r = await runCli(["search", "--task", "arith", "--pool", pool, "--evals", "120", "--out", out], { cwd: dir });
    expectUserError(r, `model "tiny" of pool`, `GGUF file ${join(dir, "models", "absent.gguf")} does not exist`);
    expect(r.stderr).not.toContain("--resume");
    expect(existsSync(out)).toBe(false);
  });

  it("malformed JSON: names the file", async () => {
    const pool = file("pool-malformed.json", '{"models": [{"id": "a",');
    const r = await runCli(["search", "--task", "arith", "--pool", pool, "--out", join(dir, "p1")], { cwd: dir });
    expectUserError(r, "pool-malformed.json", /not valid JSON/);
    expect(existsSync(join(dir, "p1"))).toBe(false);
  });

  it("a field of the wrong type: names the model's field and the expected type", async () => {
    const pool = file("pool-type.json", JSON.stringify({ models: [{ id: "a", family: "t", params: "big", layers: 2, hidden: 8, endpoint: { kind: "sim" } }] }));
    const r = await runCli(["search", "--task", "arith", "--pool", pool, "--out", join(dir, "p2")], { cwd: dir });
    expectUserError(r, "pool-type.json", /models\[0\]\.params: .*expected number, received string/);
    expect(existsSync(join(dir, "p2"))).toBe(false);
  });

  it("a duplicate model id and an unknown endpoint kind", async () => {
    const m = { family: "t", params: 1e9, layers: 2, hidden: 8, endpoint: { kind: "openai", baseURL: "http://127.0.0.1:9/v1", model: "a" } };
    const dup = file("pool-dup.json", JSON.stringify({ models: [{ id: "a", ...m }, { id: "a", ...m }] }));
    const r = await runCli(["search", "--task", "arith", "--pool", dup, "--out", join(dir, "p3")], { cwd: dir });
    expectUserError(r, "pool-dup.json", /models\[1\]\.id: model id "a" appears twice/);
    const kind = file("pool-kind.json", JSON.stringify({ models: [{ id: "a", ...m, endpoint: { kind: "grpc" } }] }));
    const k = await runCli(["search", "--task", "arith", "--pool", kind, "--out", join(dir, "p3")], { cwd: dir });
    expectUserError(k, "pool-kind.json", /models\[0\]\.endpoint\.kind/);
    expect(existsSync(join(dir, "p3"))).toBe(false);
  });
});

describe("graph files", () => {
  it("malformed JSON: names the file", async () => {
    const g = file("graph-malformed.json", '{"version": 1, "nodes": [');
    const r = await runCli(["eval", g, "--task", "arith", "--pool", POOL, "--no-cache"], { cwd: dir });
    expectUserError(r, "graph-malformed.json", /not valid JSON/);
  });

  it("a cycle and an unknown model: each named by node and edge", async () => {
    const g = file(
      "graph-invalid.json",
      JSON.stringify({ version: 1, nodes: [{ id: "a", model: "weak", role: "assistant" }, { id: "b", model: "gpt-9", role: "assistant" }, { id: "o", model: "mid", role: "assistant" }], edges: [["a", "b"], ["b", "a"], ["b", "o"]], output: "o" }),
    );
    const r = await runCli(["eval", g, "--task", "arith", "--pool", POOL, "--no-cache"], { cwd: dir });
    expectUserError(r, "graph-invalid.json", /nodes\[1\]\.model: .*"gpt-9".*not in the pool \(.*weak.*\)/, /cycle: a -> b -> a|a -> b -> a/);
  });

  it("a field of the wrong type", async () => {
    const g = file("graph-type.json", JSON.stringify({ version: 1, nodes: [{ id: "o", model: "mid", role: "oracle" }], edges: [], output: "o" }));
    const r = await runCli(["graph", "validate", g, "--pool", POOL], { cwd: dir });
    expectUserError(r, "graph-type.json", /nodes\[0\]\.role/, /assistant.*fuser|fuser.*assistant/);
  });
});

describe("simulator profiles", () => {
  it("malformed JSON: names the file", async () => {
    const p = file("profile-malformed.json", '{"version": 1, "task": {');
    const r = await runCli(["search", "--task", `sim:${p}`, "--out", join(dir, "s1")], { cwd: dir });
    expectUserError(r, "profile-malformed.json", /not valid JSON/);
    expect(existsSync(join(dir, "s1"))).toBe(false);
  });

  it("missing and mistyped fields: each named", async () => {
    const p = file("profile-invalid.json", JSON.stringify({ version: 1, models: 3 }));
    const r = await runCli(["search", "--task", `sim:${p}`, "--out", join(dir, "s2")], { cwd: dir });
    expectUserError(r, "profile-invalid.json", /task: .*expected object/, /models: .*expected array, received number/);
    expect(existsSync(join(dir, "s2"))).toBe(false);
  });
});

describe("dataset lines (JSONL task files)", () => {
  const good = '{"id": "1", "question": "2+2", "answer": "4"}';
  const cases: [string, string, RegExp][] = [
    ["bad JSON", '{"id": "2", "question": "3+3" "answer": "6"}', /line 2: not valid JSON/],
    ["a missing field", '{"id": "2", "answer": "6"}', /line 2: missing field "question"/],
    ["a field of the wrong type", '{"id": "2", "question": ["3+3"], "answer": "6"}', /line 2: field "question": expected a non-empty string, got an array/],
    ["a duplicate id", '{"id": "1", "question": "3+3", "answer": "6"}', /line 2: duplicate id "1" \(first at line 1\)/],
  ];
  it.each(cases)("%s: names the file and the line", async (name, line, pattern) => {
    const data = file(`data-${name.replace(/\W+/g, "-")}.jsonl`, `${good}\n${line}\n${good.replace(/"1"/, '"3"')}\n`);
    const out = join(dir, `d-${name.replace(/\W+/g, "-")}`);
    const r = await runCli(["search", "--task", data, "--pool", POOL, "--out", out], { cwd: dir });
    expectUserError(r, data.split("/").at(-1)!, pattern);
    expect(existsSync(out)).toBe(false);
  });
});

describe("names and numbers", () => {
  it("an unknown task: says what a task can be", async () => {
    await searchRejected(["--task", "gsm9k"], '--task: unknown task "gsm9k"', /expected a built-in task \(.*gsm8k.*\), a JSONL file, a simulated task/);
  });

  it("an unknown task with the default (simulated) pool is still reported as an unknown task", async () => {
    const out = join(dir, "t2");
    const r = await runCli(["search", "--task", "gsm9k", "--out", out], { cwd: dir });
    expectUserError(r, 'unknown task "gsm9k"');
    expect(existsSync(out)).toBe(false);
  });

  it("an unknown model as the output model: names the pool's models", async () => {
    await searchRejected(["--output-model", "gpt-9"], 'output model "gpt-9" is not in the pool (weak, mid): give --output-model');
  });

  it("an unknown model in the config's space: names the pool's models", async () => {
    const cfg = file("space.yaml", "space:\n  models: [weak, gpt-9]\n");
    await searchRejected(["--config", cfg], /unknown model gpt-9 \(the pool has weak, mid\)/);
  });

  it("an unknown agent model: says what --agent accepts", async () => {
    await searchRejected(["--agent", "gpt-9"], "--agent gpt-9: not a model of the pool (weak, mid)", "--agent-url");
  });

  it("a budget too small for any graph: names --budget and the cheapest call's cost", async () => {
    await searchRejected(["--budget", "0.5"], "--budget: budget 0.5 units is below the cost of a single call of the cheapest model (1.000 units): no graph fits");
  });

  it("a dollar budget with a pool without pricing: names the models missing it", async () => {
    await searchRejected(["--budget", "0.01", "--budget-unit", "usd"], "--budget-unit usd needs the pricing (inputPerMTok, outputPerMTok) of every searched model; weak, mid have none in pool");
  });

  it("a millisecond budget with a pool without speed specs: names the models missing them", async () => {
    await searchRejected(["--budget", "500", "--budget-unit", "ms"], "--budget-unit ms needs the speed of every searched model; weak, mid have none in pool");
  });

  it("too few evaluations for the selection: no run folder is left", async () => {
    await searchRejected(["--evals", "5"], /--evals 5 leaves nothing to search with: selection alone takes 6 evaluations/);
  });

  it("an output folder that cannot be created: names --out and the reason", async () => {
    const blocker = file("a-file", "not a folder");
    const r = await runCli(["search", "--task", "arith", "--pool", POOL, "--no-probe", "--out", join(blocker, "run")], { cwd: dir });
    expectUserError(r, /--out|a-file\/run/, /not a directory|ENOTDIR/);
    expect(existsSync(join(blocker, "run"))).toBe(false);
  });
});
