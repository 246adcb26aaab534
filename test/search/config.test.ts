import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadPoolFile } from "../../src/models/pool.js";
import { loadSearchConfig, parseSearchConfig, searchConfigJsonSchema } from "../../src/search/config.js";
import { selectionOf } from "../../src/search/setup.js";
import { UserError } from "../../src/errors.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/configs/", import.meta.url));

describe("search config", () => {
  it("defaults to Agent-REINFORCE with the rule agent on sim:math, sim:llama, budget 18, seed 0", () => {
    const c = parseSearchConfig({});
    expect([c.optimizer, c.agent, c.task, c.pool, c.budget, c.budgetUnit, c.seed]).toEqual(["agent-reinforce", "rules", "sim:math", "sim:llama", 18, "units", 0]);
    expect(c.objective).toEqual({ kind: "accuracy" });
    expect(c.selection).toEqual({ candidates: 6, confidence: 0.95 });
  });

  it("gives the selection 66 items per candidate, at most half of the evaluations, unless told otherwise", () => {
    expect(selectionOf(parseSearchConfig({ evals: 800 }))).toEqual({ candidates: 6, items: 66, confidence: 0.95 });
    expect(selectionOf(parseSearchConfig({ evals: 3200 }))).toEqual({ candidates: 6, items: 66, confidence: 0.95 });
    expect(selectionOf(parseSearchConfig({ evals: 300, selection: { candidates: 3 } }))).toEqual({ candidates: 3, items: 50, confidence: 0.95 });
    expect(selectionOf(parseSearchConfig({ evals: 800, selection: { items: 20 } }))).toEqual({ candidates: 6, items: 20, confidence: 0.95 });
  });

  it("reports every problem with its field", () => {
    try {
      parseSearchConfig({ budget: 0, optimizer: "", selection: { items: -1 }, extra: true }, "my.yaml");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      const paths = (err as UserError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(["budget", "optimizer", "selection.items", ""]));
      expect((err as UserError).format()).toMatch(/my\.yaml/);
    }
  });

  it("loads every example config and pool", () => {
    const files = readdirSync(EXAMPLES);
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      if (f.startsWith("pool-")) expect(loadPoolFile(join(EXAMPLES, f)).pool.models.length).toBeGreaterThan(0);
      else expect(loadSearchConfig(join(EXAMPLES, f)).version).toBe(1);
    }
    expect(JSON.stringify(searchConfigJsonSchema())).toContain("optimizerOptions");
  });
});

describe("search config plugins", () => {
  it("are resolved relative to the config file and recorded absolute", () => {
    const dir = mkdtempSync(join(tmpdir(), "tts-graph-config-"));
    try {
      const file = join(dir, "c.json");
      writeFileSync(file, JSON.stringify({ optimizer: "hill-climb", plugins: ["./plugins/hill.js"] }));
      const c = loadSearchConfig(file);
      expect(c.plugins).toEqual([join(dir, "plugins", "hill.js")]);
      // A method that is not built in is checked against the registry after the plugins are loaded.
      expect(c.optimizer).toBe("hill-climb");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
