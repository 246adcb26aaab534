import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeModel, probePool } from "../../src/models/probe.js";
import type { ModelSpec } from "../../src/models/spec.js";
import { runCli } from "../helpers/cli.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";

let full: TestServer;
let bare: TestServer;
const dir = tempDir();

beforeAll(async () => {
  full = await startOpenAIServer({ models: ["full-model"] });
  // A server that reports no usage, sends no usage chunk and refuses n > 1.
  bare = await startOpenAIServer({ models: ["other"], supportsN: false, streamUsage: false, handler: () => ({ kind: "answer", text: "OK", usage: false }) });
});
afterAll(async () => {
  await full.close();
  await bare.close();
});

const spec = (id: string, baseURL: string, model: string): ModelSpec => ({ id, family: "t", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL, model } });

describe("probeModel", () => {
  it("finds usage, streaming usage and n > 1 on a server that supports them", async () => {
    const r = await probeModel(spec("a", full.baseURL, "full-model"));
    expect(r).toMatchObject({ model: "a", kind: "openai", local: false, reachable: true, modelListed: true, usage: true, streamingUsage: true, nSupported: true });
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.notes).toEqual([]);
    const bodies = full.chatRequests().map((q) => q.body!);
    expect(bodies.some((b) => b.stream === true && b.stream_options?.include_usage === true)).toBe(true);
    expect(bodies.some((b) => b.n === 2)).toBe(true);
  });

  it("reports what a bare server lacks, with the reasons", async () => {
    const r = await probeModel(spec("b", bare.baseURL, "bare-model"));
    expect(r).toMatchObject({ reachable: true, modelListed: false, usage: false, streamingUsage: false, nSupported: false });
    expect(r.notes.join("\n")).toMatch(/does not list "bare-model"/);
    expect(r.notes.join("\n")).toMatch(/will be estimated/);
    expect(r.notes.join("\n")).toMatch(/no usage chunk/);
    expect(r.notes.join("\n")).toMatch(/n: 2 was refused: 400/);
  });

  it("reports an unreachable endpoint without throwing, and in-process endpoints as local", async () => {
    const results = await probePool(
      [spec("gone", "http://127.0.0.1:1/v1", "x"), { id: "s", family: "t", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "sim" } }],
      { timeoutMs: 2000 },
    );
    expect(results[0]).toMatchObject({ model: "gone", reachable: false });
    expect(results[0]!.error).toMatch(/Connection error|ECONNREFUSED/);
    expect(results[1]).toMatchObject({ model: "s", kind: "sim", local: true });
  });
});

describe("tts-graph models probe", () => {
  it("prints one JSON document, and a table, for a pool file", async () => {
    const pool = join(dir, "pool.json");
    writeFileSync(pool, JSON.stringify({ models: [spec("a", full.baseURL, "full-model"), spec("b", bare.baseURL, "other")] }));
    const out = await runCli(["models", "probe", pool, "--json"]);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(doc.endpoints.map((e: { model: string; usage: boolean; nSupported: boolean }) => [e.model, e.usage, e.nSupported])).toEqual([
      ["a", true, true],
      ["b", false, false],
    ]);
    const text = await runCli(["models", "probe", pool]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^a\s+http:\/\/127\.0\.0\.1:\d+\/v1\s+yes\s+yes\s+yes\s+yes/m);
    expect(text.stdout).toMatch(/^b\s+http:\/\/127\.0\.0\.1:\d+\/v1\s+yes\s+no\s+no\s+no/m);
  });

  it("exits 1 when an endpoint is unreachable", async () => {
    const pool = join(dir, "down.json");
    writeFileSync(pool, JSON.stringify({ models: [spec("gone", "http://127.0.0.1:1/v1", "x")] }));
    const out = await runCli(["models", "probe", pool, "--json", "--timeout", "2000"]);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout).endpoints[0].reachable).toBe(false);
  });
});
