/**
 * `tts-graph serve` as a user runs it: the built bin on a free port prints its URL (a JSON line on
 * stdout with --json, a line on stderr always), answers the `openai` client, and exits 0 on SIGTERM
 * or SIGINT.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { resolveTask } from "../../src/resolve.js";
import { BIN, ROOT, runCli } from "../helpers/cli.js";

const GRAPHS = join(ROOT, "examples", "graphs");

describe("tts-graph serve (the built bin)", () => {
  it("prints its URL, serves the openai client and shuts down on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "serve", join(GRAPHS, "fan-in.json"), join(GRAPHS, "single.json"), "--task", "sim:math", "--pool", "sim:llama", "--port", "0", "--json"], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes("\n")) resolve(stdout.slice(0, stdout.indexOf("\n")));
        });
        child.on("close", () => reject(new Error(`serve exited before printing its URL: ${stderr}`)));
      });
      expect(first, `serve did not start: ${stderr}`).toMatch(/^\{"url":/);
      const info = JSON.parse(first) as { url: string; baseURL: string; port: number; models: string[] };
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.port).toBeGreaterThan(0);
      expect(info.url.endsWith(`:${info.port}`)).toBe(true);
      expect(info.models).toEqual(["fan-in", "single"]);
      expect(stderr).toContain(`listening on ${info.url}`);

      const openai = new OpenAI({ baseURL: info.baseURL, apiKey: "none", maxRetries: 0 });
      const models = await openai.models.list();
      expect(models.data.map((m) => m.id)).toEqual(["fan-in", "single"]);
      const item = resolveTask("sim:math", { seed: 0 }).items("test")[0]!;
      const r = await openai.chat.completions.create({ model: "single", messages: [{ role: "user", content: item.question }] });
      expect(r.choices[0]!.message.content).toMatch(/\\boxed\{/);
      expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
      expect(r.usage!.total_tokens).toBeGreaterThan(0);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: shutting down/);
    // stdout carries exactly the one JSON line.
    expect(stdout.trim().split("\n")).toHaveLength(1);
  });

  it("shuts down on SIGINT (Ctrl-C) as on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "serve", join(GRAPHS, "single.json"), "--task", "sim:math", "--pool", "sim:llama", "--port", "0"], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    // The signal is part of the value, so a failure says whether the process died of it.
    const exited = new Promise<string>((resolve) => child.on("close", (code, signal) => resolve(`code ${code} signal ${signal}`)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes("listening on ")) resolve();
      });
      child.on("close", () => reject(new Error(`serve exited before listening: ${stderr}`)));
    });
    child.kill("SIGINT");
    expect(await exited, stderr).toBe("code 0 signal null");
    expect(stderr).toMatch(/SIGINT: shutting down/);
  });

  it("exits 2 naming the problem when a graph uses a model the pool lacks", async () => {
    const r = await runCli(["serve", join(GRAPHS, "tiny-fuse.json"), "--task", "sim:math", "--pool", "sim:llama", "--port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/arith-medium/);
  });
});
