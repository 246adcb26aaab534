import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bands } from "../../src/report/bands.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

describe("bands over runs' best-so-far curves", () => {
  it("steps each run's curve onto the union of x values and spans min to max around the mean", () => {
    const b = bands([
      { group: "a", run: "a0", points: [{ x: 10, y: 0.4 }, { x: 30, y: 0.6 }] },
      { group: "a", run: "a1", points: [{ x: 20, y: 0.5 }] },
      { group: "b", run: "b0", points: [{ x: 10, y: 0.3 }] },
    ]);
    expect(b.filter((p) => p.group === "a")).toEqual([
      { group: "a", x: 10, mean: 0.4, low: 0.4, high: 0.4, runs: 1 },
      { group: "a", x: 20, mean: 0.45, low: 0.4, high: 0.5, runs: 2 },
      { group: "a", x: 30, mean: 0.55, low: 0.5, high: 0.6, runs: 2 },
    ]);
    expect(b.filter((p) => p.group === "b")).toEqual([{ group: "b", x: 10, mean: 0.3, low: 0.3, high: 0.3, runs: 1 }]);
  });
});

describe("tts-graph compare --report", () => {
  it("writes a self-contained HTML comparison with curves per method and the table with the baselines", async () => {
    const file = join(tempDir("tts-graph-compare-report-"), "compare.html");
    const r = await runCli(["compare", "--optimizers", "agent-reinforce,random", "--seeds", "2", "--evals", "300", "--truth-items", "2000", "--report", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`comparison report: ${file}`);
    const html = readFileSync(file, "utf8");
    expect(html.match(/<svg[\s>]/g) ?? []).toHaveLength(1);
    expect(html).not.toMatch(/<script|<link|<img|@import/i);
    const svg = html.slice(html.indexOf("<svg"), html.indexOf("</svg>"));
    expect(svg.match(/class="mark-area/g)?.length ?? 0).toBeGreaterThan(0);
    for (const row of ["<td>agent-reinforce</td>", "<td>random</td>", "<td>best single model that fits</td>", "<td>self-consistency (best model and width that fit)</td>", "best graph any run chose"]) expect(html).toContain(row);
    // The table's mean for each method is the CLI's.
    for (const m of ["agent-reinforce", "random"]) {
      const mean = new RegExp(`^${m}\\s+([\\d.]+)`, "m").exec(r.stdout)?.[1];
      expect(html).toContain(`<td>${m}</td><td class="num">${mean}%</td>`);
    }
  });
});
