import { mkdirSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { cutRun, searchRun } from "../report/runs.js";

describe("the dashboard server", () => {
  let root: string;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    root = tempDir("tts-graph-dashboard-server-");
    await searchRun(join(root, "seed0"), ["--evals", "300"]);
    cutRun(join(root, "seed0"), join(root, "killed"), 0.5);
    mkdirSync(join(root, "not-a-run"));
    writeFileSync(join(root, "not-a-run", "notes.txt"), "hello");
    ({ server, url } = await startDashboard({ root, host: "127.0.0.1", port: 0 }));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("lists run folders only, each with its status, and serves the vega builds from the installed packages", async () => {
    const runs = (await (await fetch(`${url}api/runs`)).json()) as { id: string; status: { state: string } }[];
    expect(runs.map((r) => [r.id, r.status.state])).toEqual([
      ["killed", "interrupted"],
      ["seed0", "finished"],
    ]);
    const vega = await fetch(`${url}assets/vega.min.js`);
    expect(vega.status).toBe(200);
    expect((await vega.text()).length).toBeGreaterThan(100_000);
    const page = await (await fetch(url)).text();
    expect(page).toContain('<script src="/assets/vega-lite.min.js">');
    expect(page).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it("exports a graph as a valid graph file, and names bad requests", async () => {
    const view = (await (await fetch(`${url}api/run?run=seed0`)).json()) as { chosen: { hash: string }; importance: { feature: string; importance: number }[] };
    expect(view.importance.length).toBe(6);
    for (const f of view.importance) {
      expect(f.importance).toBeGreaterThanOrEqual(0);
      expect(f.importance).toBeLessThanOrEqual(1 + 1e-9);
    }
    const res = await fetch(`${url}api/graph?run=seed0&hash=${view.chosen.hash}`);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.graph\.json"$/);
    const file = join(root, "chosen.graph.json");
    writeFileSync(file, await res.text());
    const v = await runCli(["graph", "validate", file, "--pool", "sim:llama"]);
    expect(v.code, v.stderr).toBe(0);
    const bad = await fetch(`${url}api/graph?run=seed0&hash=zz`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/hash: a graph hash/);
    const missing = await fetch(`${url}api/run?run=../etc`);
    expect(missing.status).toBe(404);
    expect((await fetch(`${url}api/graph?run=seed0&hash=0000000000000000`)).status).toBe(404);
    expect((await fetch(`${url}api/run`, { method: "POST" })).status).toBe(405);
  });
});
