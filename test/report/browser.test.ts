import { copyFileSync, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../../src/report/index.js";
import { tempDir } from "../helpers/tmp.js";
import { searchRun } from "./runs.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`skipping the browser test of the HTML report: ${CHROMIUM} is absent (install Debian's chromium package; .ci/run does)`);

describe.skipIf(!hasChromium)("the HTML report in headless Chromium", () => {
  let root: string;
  let html: string;
  let best: { hash: string; graph: { nodes: unknown[]; edges: unknown[] } };
  beforeAll(async () => {
    root = tempDir("tts-graph-report-browser-");
    const run = await searchRun(join(root, "run"));
    html = (await writeReport(run)).html;
    best = JSON.parse(readFileSync(join(run, "result.json"), "utf8")).best;
  });

  it("renders without console errors or network requests, with its charts and the graph drawing, and leaves a screenshot", async () => {
    const context = await chromium.launchPersistentContext(tempDir("tts-graph-chromium-profile-"), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
      page.on("request", (r) => requests.push(r.url()));
      const url = pathToFileURL(html).href;
      const response = await page.goto(url, { waitUntil: "load" });
      expect(response?.ok()).toBe(true);

      // Locators rather than page.evaluate: the project compiles without the DOM library.
      const figures = await page.locator("figure.chart").all();
      expect(await Promise.all(figures.map((f) => f.getAttribute("data-chart")))).toEqual(["curve", "flops", "latency"]);
      for (const f of figures) {
        const name = (await f.getAttribute("data-chart")) ?? "";
        const svg = f.locator("svg").first();
        expect(await svg.locator("path, circle, symbol").count(), name).toBeGreaterThan(0);
        expect(await svg.locator("g.mark-symbol path").count(), name).toBeGreaterThan(0);
        expect(await svg.locator("g.mark-line path").count(), name).toBeGreaterThan(0);
        const box = await svg.boundingBox();
        expect(box?.width ?? 0, name).toBeGreaterThan(200);
        expect(box?.height ?? 0, name).toBeGreaterThan(150);
      }

      const drawing = page.locator(`figure.graph[data-graph="${best.hash}"]`);
      expect(await drawing.locator("g.node rect").count()).toBe(best.graph.nodes.length);
      expect(await drawing.locator("path.edge").count()).toBe(best.graph.edges.length);
      expect((await drawing.locator("svg").boundingBox())?.width ?? 0).toBeGreaterThan(100);
      expect(await page.locator("#break-even strong").textContent()).toMatch(/^(repaid after [\d,]+ queries|not repaid|not estimable)/);

      const shot = join(root, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe("PNG");
      expect(statSync(shot).size).toBeGreaterThan(50_000);
      if (process.env.TTS_GRAPH_SCREENSHOT) copyFileSync(shot, process.env.TTS_GRAPH_SCREENSHOT);

      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
    } finally {
      await context.close();
    }
  });
});
