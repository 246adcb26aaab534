#!/usr/bin/env node
// Screenshots of the dashboard and of a report for the README, made from real simulator searches:
// two seeds of a search, the dashboard over them (one run opened with a point hovered, then the
// comparison), and the run's HTML report. Needs `npm run build` and Chromium (CHROMIUM, default
// /usr/bin/chromium). Writes docs/dashboard.png, docs/dashboard-compare.png and docs/report.png.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "tts-graph.js");
const docs = join(root, "docs");
const work = mkdtempSync(join(tmpdir(), "tts-graph-shots-"));
const cli = (args) => execFileSync(process.execPath, [bin, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] }).toString();

mkdirSync(docs, { recursive: true });
for (const seed of [0, 1]) cli(["search", "--out", join(work, "runs", `math-seed${seed}`), "--no-cache", "--evals", "600", "--seed", String(seed)]);
cli(["report", join(work, "runs", "math-seed0")]);

const server = spawn(process.execPath, [bin, "dashboard", join(work, "runs"), "--port", "0", "--json"], { stdio: ["ignore", "pipe", "inherit"] });
const { url } = await new Promise((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (d) => {
    out += d;
    if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]));
  });
  server.on("exit", (code) => reject(new Error(`dashboard exited ${code}`)));
});

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await page.goto(url);
  await page.waitForSelector('tr.run[data-run="math-seed0"]');
  await page.locator('tr.run[data-run="math-seed0"] td:nth-child(2)').click();
  await page.waitForSelector('#run-view[data-rendered="math-seed0"]');
  await page.locator("#chart-tradeoff g.mark-symbol.role-mark path").last().hover({ force: true });
  await page.waitForSelector("#hover-panel svg.graph-drawing");
  await page.screenshot({ path: join(docs, "dashboard.png"), clip: { x: 0, y: 0, width: 1360, height: 1250 }, fullPage: true });
  for (const id of ["math-seed0", "math-seed1"]) await page.locator(`input.pick[data-run="${id}"]`).check();
  await page.locator("#compare-button").click();
  await page.waitForSelector('#chart-compare[data-runs="2"]');
  await page.screenshot({ path: join(docs, "dashboard-compare.png"), clip: { x: 0, y: 0, width: 1360, height: 560 } });

  const report = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await report.goto(pathToFileURL(join(work, "runs", "math-seed0", "report.html")).href);
  await report.screenshot({ path: join(docs, "report.png"), clip: { x: 0, y: 0, width: 1100, height: 1300 }, fullPage: true });
} finally {
  await browser.close();
  server.kill("SIGINT");
  rmSync(work, { recursive: true, force: true });
}
console.log(`wrote ${["dashboard.png", "dashboard-compare.png", "report.png"].map((f) => join("docs", f)).join(", ")}`);
