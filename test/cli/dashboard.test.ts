import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { searchRun } from "../report/runs.js";

describe("tts-graph dashboard", () => {
  it("serves the run folders under DIR on 127.0.0.1, prints its address, and stops on SIGINT", async () => {
    const root = tempDir("tts-graph-dashboard-cli-");
    await searchRun(join(root, "a"), ["--evals", "300"]);
    const child = spawn(process.execPath, [BIN, "dashboard", root, "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const first = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const info = JSON.parse(first) as { url: string; runs: number };
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(info.runs).toBe(1);
    const runs = (await (await fetch(`${info.url}api/runs`)).json()) as { id: string }[];
    expect(runs.map((r) => r.id)).toEqual(["a"]);
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stderr).toContain("listening on http://127.0.0.1:");
  });

  it("exits 2 naming a folder that does not exist", async () => {
    const r = await runCli(["dashboard", join(tempDir("tts-graph-dashboard-cli-"), "nowhere"), "--port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nowhere is not a folder/);
  });
});
