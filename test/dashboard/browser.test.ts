/**
 * The dashboard in headless Chromium, over a folder holding a finished search and a running one
 * (a folder whose journal this test appends to while holding its lock, as a search process does).
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { searchRun } from "../report/runs.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`skipping the dashboard browser test: ${CHROMIUM} is absent (install Debian's chromium package)`);

describe.skipIf(!hasChromium)("the dashboard in headless Chromium", () => {
  let root: string;
  let lines: string[];
  let kept: number;
  let server: Server;
  let url: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    root = tempDir("tts-graph-dashboard-");
    const finished = await searchRun(join(root, "finished"), ["--evals", "500"]);
    const source = await searchRun(join(tempDir("tts-graph-dashboard-src-"), "src"), ["--evals", "500", "--seed", "3"]);
    const live = join(root, "live");
    mkdirSync(live);
    copyFileSync(join(source, "config.json"), join(live, "config.json"));
    lines = readFileSync(join(source, "events.jsonl"), "utf8").split("\n").filter((l) => l !== "");
    kept = Math.floor(lines.length * 0.3);
    writeFileSync(join(live, "events.jsonl"), lines.slice(0, kept).join("\n") + "\n");
    // This process writes the journal: it holds the lock, so the run reads as running.
    writeFileSync(join(live, "run.lock"), `${process.pid}\n`);
    expect(existsSync(join(finished, "result.json"))).toBe(true);
    ({ server, url } = await startDashboard({ root, host: "127.0.0.1", port: 0 }));
    context = await chromium.launchPersistentContext(tempDir("tts-graph-chromium-profile-"), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: "load" });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it("lists the finished and the running search", async () => {
    await page.waitForSelector('tr.run[data-run="live"]');
    expect(await page.locator("tr.run").count()).toBe(2);
    expect(await page.locator('tr.run[data-run="finished"]').getAttribute("data-state")).toBe("finished");
    expect(await page.locator('tr.run[data-run="live"]').getAttribute("data-state")).toBe("running");
  });

  it("the running search's curve gains points as its journal grows", async () => {
    await page.locator('tr.run[data-run="live"] td:nth-child(2)').click();
    const curve = page.locator("#chart-curve");
    await page.waitForSelector('#run-view[data-rendered="live"]');
    const before = Number(await curve.getAttribute("data-rendered"));
    const dotsBefore = await curve.locator("g.mark-symbol.role-mark path").count();
    expect(before).toBeGreaterThan(0);
    appendFileSync(join(root, "live", "events.jsonl"), lines.slice(kept, Math.floor(lines.length * 0.7)).join("\n") + "\n");
    // A string, as the project compiles without the DOM library.
    await page.waitForFunction(`Number(document.querySelector("#chart-curve").getAttribute("data-rendered")) > ${before}`, undefined, { timeout: 15_000 });
    expect(await curve.locator("g.mark-symbol.role-mark path").count()).toBeGreaterThan(dotsBefore);
  });

  it("hovering a point shows its graph and scores; clicking it exports a graph file that graph validate accepts", async () => {
    await page.locator('tr.run[data-run="finished"] td:nth-child(2)').click();
    await page.waitForSelector('#run-view[data-rendered="finished"]');
    const point = page.locator("#chart-tradeoff g.mark-symbol.role-mark path").first();
    await point.hover({ force: true });
    await page.waitForSelector("#hover-panel svg.graph-drawing");
    const hash = await page.locator("#hover-panel").getAttribute("data-hash");
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(await page.locator("#hover-panel").innerText()).toContain(hash!);
    expect(await page.locator("#hover-panel svg.graph-drawing g.node rect").count()).toBeGreaterThan(0);

    await point.click({ force: true });
    await page.waitForSelector("#graph-dialog:not([hidden]) #export-graph");
    expect(await page.locator("#graph-dialog").getAttribute("data-hash")).toBe(hash);
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#export-graph").click()]);
    const file = join(root, download.suggestedFilename());
    await download.saveAs(file);
    expect(file).toMatch(/\.graph\.json$/);
    const v = await runCli(["graph", "validate", file, "--pool", "sim:llama"]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain("valid graph");
    expect(await page.locator("#serve-command").innerText()).toBe(`tts-graph serve ${download.suggestedFilename()} --pool sim:llama --task sim:math`);
    await page.locator("#close-graph").click();
  });

  it("draws the chosen graph, finalists, Pareto graphs, parallel coordinates and feature importance", async () => {
    await page.waitForSelector("#chosen .card svg.graph-drawing");
    expect(await page.locator("#finalists .card").count()).toBeGreaterThan(0);
    expect(await page.locator("#pareto .card").count()).toBeGreaterThan(0);
    expect(await page.locator("#chart-parallel g.mark-line path").count()).toBeGreaterThan(1);
    expect(await page.locator("#chart-importance g.mark-rect path").count()).toBe(6);
  });

  it("the comparison view draws the two selected runs", async () => {
    await page.locator('input.pick[data-run="finished"]').check();
    await page.locator('input.pick[data-run="live"]').check();
    await page.locator("#compare-button").click();
    await page.waitForSelector('#chart-compare[data-runs="2"]');
    expect(await page.locator("#compare-title").innerText()).toContain("2 runs");
    // Two per-run lines, a mean line and a band for their method.
    expect(await page.locator("#chart-compare g.mark-line path").count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator("#chart-compare g.mark-area path").count()).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
    expect(requests.filter((r) => !r.startsWith(url))).toEqual([]);
  });
});
