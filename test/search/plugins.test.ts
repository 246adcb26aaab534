import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const EXAMPLE = join(ROOT, "examples", "optimizers");
const CONFIG = join(EXAMPLE, "hill-climb.yaml");

describe("a user's optimizer through a config's plugins (examples/optimizers)", () => {
  it("is at most 40 lines", () => {
    expect(readFileSync(join(EXAMPLE, "hill-climb.js"), "utf8").trimEnd().split("\n").length).toBeLessThanOrEqual(40);
  });

  it("runs through search, and --resume from another folder continues a cut journal to the same result", async () => {
    const dir = tempDir();
    const full = join(dir, "full");
    const r = await runCli(["search", "--config", CONFIG, "--out", full, "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.result.optimizer).toBe("hill-climb");
    expect(doc.result.cost.evals.total).toBe(400);
    const events = readFileSync(join(full, "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(events[0].optimizer).toBe("hill-climb");
    expect(events.some((e) => e.type === "graph.proposed" && e.origin === "mutation")).toBe(true);
    const config = JSON.parse(readFileSync(join(full, "config.json"), "utf8"));
    expect(config.plugins).toEqual([join(EXAMPLE, "hill-climb.js")]);

    // An interrupted run: the journal cut after 60 events, no result yet.
    const cut = join(dir, "cut");
    cpSync(full, cut, { recursive: true });
    for (const f of ["result.json", "best.graph.json", "checkpoint.json", "report.html", "report.md"]) rmSync(join(cut, f), { force: true });
    const lines = readFileSync(join(full, "events.jsonl"), "utf8").split("\n");
    writeFileSync(join(cut, "events.jsonl"), lines.slice(0, 60).join("\n") + "\n");
    const resumed = await runCli(["search", "--resume", cut, "--json"], { cwd: tempDir() });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).resumed.replayedEvaluations).toBeGreaterThan(0);
    expect(readFileSync(join(cut, "events.jsonl"), "utf8")).toBe(readFileSync(join(full, "events.jsonl"), "utf8"));
    expect(readFileSync(join(cut, "result.json"), "utf8")).toBe(readFileSync(join(full, "result.json"), "utf8"));
  });

  it("runs through compare beside a built-in method", async () => {
    const r = await runCli(["compare", "--config", CONFIG, "--optimizers", "hill-climb,random", "--seeds", "1", "--json"], { cwd: tempDir() });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.rows.map((x: { optimizer: string }) => x.optimizer)).toEqual(["hill-climb", "random"]);
    expect(doc.rows[0].mean).toBeGreaterThan(0.2);
  });

  it("a missing plugin, a bad option of the plugin's optimizer, or an unknown name exits 2 naming it", async () => {
    const dir = tempDir();
    const write = (name: string, body: object) => {
      const f = join(dir, name);
      writeFileSync(f, JSON.stringify(body));
      return f;
    };
    const missing = await runCli(["search", "--config", write("a.json", { plugins: ["./nope.js"], optimizer: "hill-climb" }), "--out", join(dir, "a")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/plugin \S*nope\.js not found/);
    const bad = await runCli(["search", "--config", write("b.json", { plugins: [join(EXAMPLE, "hill-climb.js")], optimizer: "hill-climb", optimizerOptions: { edgeProb: 2 } }), "--out", join(dir, "b")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("optimizerOptions.edgeProb");
    const unknown = await runCli(["search", "--optimizer", "hill-climb", "--out", join(dir, "c")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown optimizer "hill-climb"/);
  });
});
