/**
 * `tts-graph serve RUN_DIR` as a user runs it (the built bin): a real search run's folder is served
 * with the run's task and pool, named after the folder; its best.graph.json alone works too, with
 * the task and pool it records; and on SIGTERM every accepted request is answered before the exit.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveTask } from "../../src/resolve.js";
import { BIN, ROOT, runCli } from "../helpers/cli.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";

interface Started {
  child: ChildProcessWithoutNullStreams;
  info: { url: string; baseURL: string; models: string[] };
  stderr: () => string;
  exited: Promise<string>;
}

/** Start `tts-graph serve ARGS --port 0 --json` and wait for its JSON line. */
async function serve(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [BIN, "serve", ...args, "--port", "0", "--json"], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<string>((resolve) => child.on("close", (code, signal) => resolve(`code ${code} signal ${signal}`)));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes("\n")) resolve(stdout.slice(0, stdout.indexOf("\n")));
    });
    child.on("close", () => reject(new Error(`serve exited before printing its URL: ${stderr}`)));
  });
  return { child, info: JSON.parse(line) as Started["info"], stderr: () => stderr, exited };
}

describe("serving a search run", () => {
  const dir = tempDir();
  const run = join(dir, "math-run");
  const item = resolveTask("sim:math", { seed: 0 }).items("test")[0]!;

  beforeAll(async () => {
    const r = await runCli(["search", "--task", "sim:math", "--pool", "sim:llama", "--evals", "300", "--out", run]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it("serves RUN_DIR with the run's task and pool, named after the folder", async () => {
    const s = await serve([run]);
    try {
      expect(s.info.models).toEqual(["math-run"]);
      expect(s.stderr()).toMatch(/serving "math-run" from .*math-run \(task sim:math, pool sim:llama\)/);
      const openai = new OpenAI({ baseURL: s.info.baseURL, apiKey: "none", maxRetries: 0 });
      const r = await openai.chat.completions.create({ model: "math-run", messages: [{ role: "user", content: item.question }], seed: 1 });
      expect(r.choices[0]!.message.content).toMatch(/\\boxed\{/);
      expect((r as unknown as { tts_graph: { item_id: string } }).tts_graph.item_id).toBe(item.id);
    } finally {
      s.child.kill("SIGTERM");
    }
    expect(await s.exited).toBe("code 0 signal null");
  });

  it("serves the run's best.graph.json, or a copy of it elsewhere, with the task and pool it records; --name renames", async () => {
    const copy = join(dir, "chosen.json");
    copyFileSync(join(run, "best.graph.json"), copy);
    const s = await serve([join(run, "best.graph.json"), copy, "--name", "inside", "--name", "outside"]);
    try {
      expect(s.info.models).toEqual(["inside", "outside"]);
      const openai = new OpenAI({ baseURL: s.info.baseURL, apiKey: "none", maxRetries: 0 });
      const a = await openai.chat.completions.create({ model: "inside", messages: [{ role: "user", content: item.question }], seed: 2 });
      const b = await openai.chat.completions.create({ model: "outside", messages: [{ role: "user", content: item.question }], seed: 2 });
      expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content);
    } finally {
      s.child.kill("SIGTERM");
    }
    expect(await s.exited).toBe("code 0 signal null");
  });

  it("exits 2 naming the problem for a folder that is not a finished run", async () => {
    const r = await runCli(["serve", dir, "--port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a search run folder/);
  });
});

/** Chat requests the server has taken: those answered plus those in flight (less the /metrics request asking). */
async function accepted(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (re: RegExp) => [...text.matchAll(re)].reduce((sum, m) => sum + Number(m[1]), 0);
  return value(/^tts_graph_requests_total\{[^}]*endpoint="\/v1\/chat\/completions"[^}]*\} (\d+)$/gm) + value(/^tts_graph_requests_in_flight (\d+)$/gm) - 1;
}

describe("SIGTERM with requests queued", () => {
  const dir = tempDir();
  let upstream: TestServer;

  beforeAll(async () => {
    upstream = await startOpenAIServer({ models: ["echo"], handler: () => ({ kind: "answer", text: "an answer", delayMs: 50 }) });
  });
  afterAll(async () => upstream?.close());

  it("answers every accepted request, then exits 0", async () => {
    const pool = join(dir, "pool.json");
    writeFileSync(pool, JSON.stringify({ version: 1, models: [{ id: "echo", family: "t", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL: upstream.baseURL, model: "echo", concurrency: 2 } }] }));
    const graph = join(dir, "pair.json");
    const nodes = [
      { id: "a", role: "assistant", model: "echo" },
      { id: "b", role: "assistant", model: "echo" },
    ];
    writeFileSync(graph, JSON.stringify({ version: 1, name: "pair", nodes, edges: [["a", "b"]], output: "b" }));
    const s = await serve([graph, "--pool", pool, "--no-cache"]);
    const openai = new OpenAI({ baseURL: s.info.baseURL, apiKey: "none", maxRetries: 0 });
    // 24 requests of 2 calls each, 2 calls at a time, 50 ms a call: about 1.2 s of queue.
    const pending = Array.from({ length: 24 }, (_, i) => openai.chat.completions.create({ model: "pair", messages: [{ role: "user", content: `q${i}` }] }).then((r) => r.choices[0]!.message.content, (e: unknown) => `error: ${String(e)}`));
    // SIGTERM only once the server has accepted all 24 (answering or queued), however slowly a busy machine sends them.
    while ((await accepted(s.info.url)) < 24) await new Promise((r) => setTimeout(r, 20));
    s.child.kill("SIGTERM");
    const answers = await Promise.all(pending);
    expect(answers).toEqual(Array.from({ length: 24 }, () => "an answer"));
    expect(await s.exited).toBe("code 0 signal null");
    const waited = /SIGTERM: shutting down, answering (\d+) requests? in flight first/.exec(s.stderr());
    expect(waited, s.stderr()).not.toBeNull();
    // The upstream needs 1.2 s for all 24: some were still unanswered when the signal came.
    expect(Number(waited![1])).toBeGreaterThan(0);
  }, 60_000);
});
