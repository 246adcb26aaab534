import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildReport, writeReport } from "../../src/report/index.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { cutRun, searchRun } from "./runs.js";

/** Everything in the page that could make a browser fetch something. */
function externalRefs(html: string): string[] {
  const refs = [...html.matchAll(/\b(?:src|href|action|poster|srcset)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!).filter((u) => !u.startsWith("#") && !u.startsWith("data:"));
  const css = [...html.matchAll(/url\(\s*['"]?([^'")]*)/gi)].map((m) => m[1]!).filter((u) => !u.startsWith("#") && !u.startsWith("data:"));
  return [...refs, ...css, ...(html.match(/<(script|link|iframe|object|embed|img)\b/gi) ?? []), ...(html.match(/@import/gi) ?? [])];
}

describe("tts-graph report", () => {
  let root: string;
  let run: string;
  beforeAll(async () => {
    root = tempDir("tts-graph-report-");
    run = await searchRun(join(root, "run"), ["--evals", "500"]);
  });

  it("writes a self-contained HTML report and a Markdown summary into the run directory", async () => {
    const files = await writeReport(run);
    expect(files.html).toBe(join(run, "report.html"));
    expect(files.markdown).toBe(join(run, "report.md"));
    expect(files.complete).toBe(true);
    const html = readFileSync(files.html, "utf8");
    expect(externalRefs(html)).toEqual([]);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    for (const id of ["summary", "curve", "tradeoff", "best-graph", "break-even", "candidates", "cost", "iterations", "config"]) expect(html).toContain(`<section id="${id}">`);
    const result = JSON.parse(readFileSync(join(run, "result.json"), "utf8"));
    // Three charts, the best graph, and each finalist drawn.
    expect((html.match(/<svg[\s>]/g) ?? []).length).toBe(4 + result.candidates.length);
    for (const c of result.candidates) expect(html).toContain(`<figure class="finalist" data-graph="${c.hash}">`);
    expect(html).not.toContain('id="incomplete"');
    expect(html).toContain(`data-graph="${result.best.hash}"`);
    for (const n of result.best.graph.nodes) expect(html).toContain(`data-node="${n.id}"`);
    expect(html).toContain(files.breakEven.summary.replace(/'/g, "&#39;").replace(/>/g, "&gt;").replace(/</g, "&lt;"));
    const md = readFileSync(files.markdown, "utf8");
    expect(md).toMatch(/^# Search report: sim:math, sim:llama, agent-reinforce/);
    expect(md).toContain("```mermaid\nflowchart LR");
    expect(md).toContain(files.breakEven.summary);
    expect(md).toContain("[report.html](report.html)");
    for (const h of ["## Summary", "## Best graph", "## Break-even", "## Finalists", "## Search cost", "## Iterations and agent feedback", "## Configuration"]) expect(md).toContain(`\n${h}\n`);
    expect(md).toContain('"evals": 500');
  });

  it("the same run gives the same report", async () => {
    const a = await buildReport(run);
    const b = await buildReport(run);
    expect(a.html).toBe(b.html);
    expect(a.markdown).toBe(b.markdown);
  });

  it("looks up the model sizes from the pool the run's config names", async () => {
    const asked: string[] = [];
    const a = await buildReport(run, { models: (pool) => (asked.push(pool), []) });
    expect(asked).toEqual(["sim:llama"]);
    expect(a.html).toBe((await buildReport(run, { models: [] })).html);
  });

  it("reports an unfinished run from its log and says it is incomplete", async () => {
    const cut = join(root, "cut");
    cutRun(run, cut, 0.5);
    const files = await writeReport(cut, { out: join(root, "partial.html") });
    expect(files.complete).toBe(false);
    expect(files.markdown).toBe(join(root, "partial.md"));
    const html = readFileSync(files.html, "utf8");
    expect(html).toContain('id="incomplete"');
    expect(html).toContain("Leading graph so far");
    expect(html).not.toContain('<section id="candidates">');
    expect((html.match(/<svg[\s>]/g) ?? []).length).toBe(4);
    expect(readFileSync(files.markdown, "utf8")).toContain("> **Incomplete run.**");

    // A run that has only just started: charts without points, no graph yet.
    const fresh = join(root, "fresh");
    mkdirSync(fresh);
    copyFileSync(join(run, "config.json"), join(fresh, "config.json"));
    writeFileSync(join(fresh, "events.jsonl"), "");
    const early = await writeReport(fresh);
    expect(early.breakEven.summary).toMatch(/^not estimable: no graph has been graded/);
    const earlyHtml = readFileSync(early.html, "utf8");
    expect((earlyHtml.match(/<svg[\s>]/g) ?? []).length).toBe(3);
    expect(earlyHtml).toContain("No graph has been graded on at least 8 items yet.");
  });

  it("the command prints the paths, or one JSON document with --json, and rejects a folder that is not a run", async () => {
    const out = join(root, "cli", "r.html");
    const text = await runCli(["report", run, "--out", out]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`wrote ${out}\nwrote ${join(root, "cli", "r.md")}\nbreak-even: `);
    const json = await runCli(["report", run, "--json", "--out", join(root, "cli", "j.html")]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ html: join(root, "cli", "j.html"), markdown: join(root, "cli", "j.md"), complete: true });
    expect(["repaid", "not-repaid", "not-estimable"]).toContain(doc.breakEven.status);
    expect(existsSync(doc.html) && existsSync(doc.markdown)).toBe(true);
    const bad = await runCli(["report", join(root, "nope"), "--json"]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe("not_a_run");
    expect(bad.stderr).toMatch(/nope does not exist/);
  });
});
