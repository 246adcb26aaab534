/**
 * The dependency check of `npm test` (`npm run depcheck`: dependency-cruiser with
 * .dependency-cruiser.mjs), run on small source trees: one that breaks each rule, one that keeps them.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/cli.js";
import { tempDir } from "./helpers/tmp.js";

const DEPCRUISE = join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");

/** A source tree of TypeScript files (path -> modules it imports) in a fresh folder. */
function tree(files: Record<string, string[]>): string {
  const dir = tempDir();
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "nodenext", moduleResolution: "nodenext", strict: true }, include: ["src"] }));
  for (const [path, imports] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    const rel = (to: string) => {
      const up = path.split("/").length - 2;
      return `${up === 0 ? "./" : "../".repeat(up)}${to.replace(/^src\//, "").replace(/\.ts$/, ".js")}`;
    };
    writeFileSync(file, [...imports.map((to, i) => `import * as m${i} from "${rel(to)}";`), `export const used = [${imports.map((_, i) => `m${i}`).join(", ")}];`, ""].join("\n"));
  }
  return dir;
}

function depcheck(dir: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, "src", "--config", join(ROOT, ".dependency-cruiser.mjs"), "--output-type", "err"], { cwd: dir, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("npm run depcheck", () => {
  it("passes imports that point down the layers", () => {
    const dir = tree({
      "src/errors.ts": [],
      "src/util/files.ts": ["src/errors.ts"],
      "src/graph/schema.ts": ["src/util/files.ts"],
      "src/cost/plan.ts": ["src/graph/schema.ts"],
      "src/tasks/types.ts": ["src/cost/plan.ts"],
      "src/models/provider.ts": ["src/tasks/types.ts"],
      "src/models/openai.ts": ["src/models/provider.ts"],
      "src/exec/run.ts": ["src/models/provider.ts"],
      "src/sim/provider.ts": ["src/models/provider.ts"],
      "src/search/harness.ts": ["src/exec/run.ts"],
      "src/cli/exit.ts": [],
      "src/cli/commands/eval.ts": ["src/cli/exit.ts", "src/exec/run.ts"],
      "src/index.ts": ["src/search/harness.ts", "src/sim/provider.ts"],
    });
    const r = depcheck(dir);
    expect(r.output).toContain("no dependency violations found");
    expect(r.status).toBe(0);
  });

  it("fails on a cycle between folders, an import up the layers, between peers or between commands, and a simulator using a real provider", () => {
    const dir = tree({
      "src/errors.ts": [],
      // agent and search import each other through different files: no module cycle, a folder cycle.
      "src/search/harness.ts": ["src/agent/rules.ts"],
      "src/search/space.ts": [],
      "src/agent/rules.ts": ["src/search/space.ts"],
      "src/graph/schema.ts": ["src/cost/plan.ts"],
      "src/cost/plan.ts": [],
      "src/exec/run.ts": ["src/sim/world.ts"],
      "src/sim/world.ts": ["src/models/openai.ts"],
      "src/models/openai.ts": [],
      "src/cli/commands/status.ts": ["src/cli/commands/search.ts"],
      "src/cli/commands/search.ts": [],
    });
    const r = depcheck(dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/no-folder-cycles: src\/search →\s+src\/agent →\s+src\/search/);
    expect(r.output).toContain("layer-agent: src/agent/rules.ts → src/search/space.ts");
    expect(r.output).toContain("layer-graph: src/graph/schema.ts → src/cost/plan.ts");
    expect(r.output).toContain("peers-exec: src/exec/run.ts → src/sim/world.ts");
    expect(r.output).toContain("sim-through-provider: src/sim/world.ts → src/models/openai.ts");
    expect(r.output).toContain("cli-commands-apart: src/cli/commands/status.ts → src/cli/commands/search.ts");
    expect(r.output).not.toContain("no-module-cycles");
  });
});
