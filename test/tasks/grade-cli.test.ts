import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir, writeJsonl } from "../helpers/tmp.js";

const dir = tempDir("tts-graph-grade-cli-");
const jsonl = (name: string, rows: (object | string)[]) => writeJsonl(join(dir, name), rows);
const env = { TTS_GRAPH_DATA: "" };

describe("tts-graph grade", () => {
  it("grades number pairs, one line each plus a summary", async () => {
    const pairs = jsonl("gsm.jsonl", [
      { gold: "18", output: "She makes 9 * 2 = 18 dollars.\n#### 18" },
      { gold: 18, output: "The answer is 20." },
      { gold: "1000", output: "So \\boxed{1,000}" },
    ]);
    const r = await runCli(["grade", "--task", "gsm8k", "--file", pairs], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^line 1 .*correct/);
    expect(lines[1]).toMatch(/^line 2 .*wrong .*"20"/);
    expect(lines[2]).toMatch(/^line 3 .*correct .*"1000"/);
    expect(lines[3]).toContain("graded 3: 2 correct, 1 wrong, 0 of them with no readable answer");
  });

  it("grades with a standard setup's grader and marks outputs with no readable answer", async () => {
    const pairs = jsonl("setup.jsonl", [
      { gold: 18, output: "9 * 2 = 18. The answer is 18." },
      { gold: 5, output: "I cannot tell." },
      { gold: -5, output: "<think>5? no</think> It ends at −5." },
    ]);
    const r = await runCli(["grade", "--task", "gsm8k:8shot-cot", "--file", pairs], { env });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[1]).toMatch(/^line 2 .*no answer .*\(none\)/);
    expect(lines[2]).toMatch(/^line 3 .*correct .*"-5"/);
    expect(lines[3]).toContain("graded 3: 2 correct, 1 wrong, 1 of them with no readable answer (accuracy 66.7%) on task gsm8k:8shot-cot");
  });

  it("prints one JSON document under --json", async () => {
    const pairs = jsonl("math.jsonl", [
      { id: "p1", gold: "\\frac{1}{2}", output: "so \\boxed{0.5}" },
      { id: "p2", gold: "\\frac{1}{2}", output: "so \\boxed{\\dfrac12}" },
      { id: "p3", gold: "\\frac{1}{2}", output: "so \\boxed{\\frac{1}{3}}" },
      { id: "p4", gold: "\\frac{1}{2}", output: "no box" },
    ]);
    const r = await runCli(["grade", "--task", "math500", "--file", pairs, "--json"], { env });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.task).toBe("math500");
    expect(doc.results.map((x: { correct: boolean }) => x.correct)).toEqual([true, true, false, false]);
    expect(doc.results[3]).toMatchObject({ id: "p4", extracted: null, reason: "no final answer found" });
    expect(doc.summary).toEqual({ graded: 4, correct: 2, wrong: 2, unreadable: 1, accuracy: 0.5 });
  });

  it("runs code tests given in the pairs, and looks items up by id in the data", async () => {
    const data = join(dir, "data");
    mkdirSync(join(data, "humaneval"), { recursive: true });
    writeFileSync(
      join(data, "humaneval", "test.jsonl"),
      JSON.stringify({
        id: "HumanEval/x",
        question: 'def add(a, b):\n    """Add two numbers."""\n',
        answer: "    return a + b\n",
        test: "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n",
        entry_point: "add",
      }) + "\n",
    );
    const pairs = jsonl("code.jsonl", [
      { id: "HumanEval/x", output: "```python\ndef add(a, b):\n    return a + b\n```" },
      { id: "HumanEval/x", output: "```python\n    return a - b\n```" },
      { output: "```python\ndef sq(x):\n    return x * x\n```", tests: ["assert sq(3) == 9"] },
      { output: "```python\ndef sq(x):\n    while True:\n        pass\n```", tests: ["assert sq(3) == 9"] },
    ]);
    const r = await runCli(["grade", "--task", "humaneval", "--file", pairs, "--data", data, "--timeout", "2", "--json"], { env });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.results.map((x: { correct: boolean }) => x.correct)).toEqual([true, false, true, false]);
    expect(doc.results[1].reason).toMatch(/^failed: AssertionError/);
    expect(doc.results[3].reason).toMatch(/^timeout/);    expect(r.stderr).toMatch(/in the Python sandbox \((inside bubblewrap|as a guarded process, bubblewrap not in use)\)/);
  });

  it("says which sandbox mode ran, and TTS_GRAPH_SANDBOX=process turns bubblewrap off", async () => {
    const pairs = jsonl("code-mode.jsonl", [{ output: "```python\ndef sq(x):\n    return x * x\n```", tests: ["assert sq(3) == 9"] }]);
    const r = await runCli(["grade", "--task", "humaneval", "--file", pairs, "--json"], { env: { ...env, TTS_GRAPH_SANDBOX: "process" } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).results[0].correct).toBe(true);
    expect(r.stderr).toContain("in the Python sandbox (as a guarded process, bubblewrap not in use)");
  });

  it("rejects bad pair lines with the file and line (exit 2)", async () => {
    const pairs = jsonl("bad.jsonl", [{ gold: "1", output: "1" }, "{oops", { gold: "2" }, { output: "3" }]);
    const r = await runCli(["grade", "--task", "gsm8k", "--file", pairs], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(pairs);
    expect(r.stderr).toContain("line 2");
    expect(r.stderr).toMatch(/line 3: field "output"/);
    expect(r.stderr).toMatch(/line 4: missing field "gold"/);
  });

  it("says how to give the data when an id must be looked up", async () => {
    const pairs = jsonl("ids.jsonl", [{ id: "HumanEval/0", output: "pass" }]);
    const r = await runCli(["grade", "--task", "humaneval", "--file", pairs, "--json"], { env });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe("no_data_dir");
    expect(r.stderr).toContain("TTS_GRAPH_DATA");
  });
});
