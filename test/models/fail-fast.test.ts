/**
 * Failing fast against real HTTP endpoints: a dead or mistyped endpoint is found by the probe before
 * anything runs (exit 2, naming the endpoint and what it answered, no run folder left); a request the
 * server refuses for good is not retried; an endpoint that dies mid-run stops the search cleanly
 * (checkpoint, exit 1, the --resume command); an LLM agent whose calls always fail is noticed in
 * its first call and the summary and the report say it never produced a usable reply.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAIProvider } from "../../src/models/openai.js";
import { RetryError } from "../../src/models/errors.js";
import { preflight } from "../../src/models/preflight.js";
import { runCli } from "../helpers/cli.js";
import { promptRequest } from "../helpers/gguf.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { adder, openaiModel, writeArithmeticTask } from "../exec/helpers.js";
import { SINGLE } from "../exec/helpers.js";

const dir = tempDir();
let live: TestServer;
let deadURL: string;
let taskPath: string;
const graphPath = join(dir, "single.json");

function writePool(name: string, baseURL: string, extra: string[] = []): string {
  const path = join(dir, name);
  const model = (id: string) => [`  - id: ${id}`, "    family: test", `    params: ${id === "big" ? 3e9 : 1e9}`, "    layers: 16", "    hidden: 2048", "    endpoint:", "      kind: openai", `      baseURL: ${baseURL}`, `      model: ${id}`, ...extra];
  writeFileSync(path, ["models:", ...model("small"), ...model("big")].join("\n") + "\n");
  return path;
}

beforeAll(async () => {
  live = await startOpenAIServer({ models: ["small", "big", "planner"], handler: adder() });
  const dead = await startOpenAIServer();
  deadURL = dead.baseURL;
  await dead.close();
  taskPath = writeArithmeticTask(dir, Array.from({ length: 40 }, (_, i) => [i + 2, 2 * i + 1] as [number, number])).path;
  writeFileSync(graphPath, JSON.stringify(SINGLE));
});
afterAll(() => live.close());

describe("the probe before a run", () => {
  it("finds a dead endpoint in seconds: eval and search exit 2 naming it, and leave no run folder", async () => {
    const pool = writePool("dead.yaml", deadURL);
    const started = Date.now();
    const e = await runCli(["eval", graphPath, "--task", taskPath, "--pool", pool, "--no-cache"]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain(`model small: ${deadURL} (model "small")`);
    expect(e.stderr).toMatch(/ECONNREFUSED|Connection error/);
    const out = join(dir, "dead-run");
    const s = await runCli(["search", "--task", taskPath, "--pool", pool, "--out", out, "--no-cache"]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/an endpoint does not answer, so nothing was run/);
    expect(existsSync(out)).toBe(false);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("names the model a server does not know, with what it answered", async () => {
    const pool = join(dir, "typo.yaml");
    writeFileSync(pool, ["models:", "  - id: small", "    family: test", "    params: 1e9", "    layers: 16", "    hidden: 2048", "    endpoint:", "      kind: openai", `      baseURL: ${live.baseURL}`, "      model: smal"].join("\n") + "\n");
    live.enqueue({ kind: "status", status: 404, message: "The model `smal` does not exist." });
    const r = await runCli(["eval", graphPath, "--task", taskPath, "--pool", pool, "--no-cache"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/model small: .* \(model "smal"\): HTTP 404: .*does not exist/);
  });

  it("catches a mistyped --agent-url (exit 2), and --no-probe skips the check", async () => {
    const pool = writePool("live.yaml", live.baseURL);
    // A typo in the port: nothing listens there.
    const wrong = deadURL;
    const r = await runCli(["search", "--task", taskPath, "--pool", pool, "--agent", "planner", "--agent-url", wrong, "--out", join(dir, "agent-typo"), "--no-cache"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the agent (--agent planner --agent-url ${wrong})`);
    expect(r.stderr).toMatch(/ECONNREFUSED|Connection error/);
    const before = live.requests.length;
    const e = await runCli(["eval", graphPath, "--task", taskPath, "--pool", pool, "--limit", "1", "--no-cache", "--no-probe"]);
    expect(e.code, e.stderr).toBe(0);
    expect(live.requests.slice(before).filter((q) => q.method === "GET")).toHaveLength(0);
  });
});

describe("the probe of a model with replicas", () => {
  it("only warns about a dead replica when another answers, and fails when none does", async () => {
    const replica = (url: string) => ({ kind: "openai" as const, baseURL: url, model: "small" });
    const model = { ...openaiModel("small", live.baseURL), endpoints: [replica(live.baseURL), replica(deadURL)] };
    const warnings = await preflight([model]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`model small: replica ${deadURL} did not answer`);
    await expect(preflight([{ ...model, endpoint: replica(deadURL), endpoints: [replica(deadURL), replica(deadURL)] }])).rejects.toThrow(/an endpoint does not answer/);
  });
});

describe("errors that cannot succeed on retry", () => {
  it.each([
    [400, "This model's maximum context length is 4096 tokens"],
    [401, "invalid api key"],
    [404, "model not found"],
    [500, "prompt is too long: exceeds the available context size"],
  ])("HTTP %i (%s) is tried once", async (status, message) => {
    live.resetStats();
    live.enqueue({ kind: "status", status, message });
    const provider = createOpenAIProvider(openaiModel("small", live.baseURL), { retry: { initialDelayMs: 1, maxDelayMs: 2 } });
    const request = promptRequest(openaiModel("small", live.baseURL), "What is 1 + 2?", { temperature: 0, maxTokens: 8 });
    const err = await provider.generate(request).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(RetryError);
    expect((err as Error).message).toContain(`HTTP ${status}`);
    expect(live.chatRequests()).toHaveLength(1);
  });
});

describe("the circuit breaker", () => {
  it("opens after failures with no success over the window, refuses calls without sending them, and closes after a successful trial", async () => {
    const server = await startOpenAIServer({ models: ["small"], handler: () => ({ kind: "status", status: 503, message: "down" }) });
    try {
      let clock = 0;
      const model = openaiModel("small", server.baseURL);
      const provider = createOpenAIProvider(model, { retry: { maxRetries: 0 }, breaker: { threshold: 2, windowMs: 1000, retryAfterMs: 5000, now: () => clock } });
      const call = () => provider.generate(promptRequest(model, "What is 1 + 2?", { temperature: 0, maxTokens: 8 })).then(() => "ok", (e: Error) => e.name);
      expect(await call()).toBe("ProviderCallError");
      clock = 500;
      expect(await call()).toBe("ProviderCallError"); // two failures, but within the window
      clock = 1500;
      expect(await call()).toBe("EndpointDownError");
      const sent = server.chatRequests().length;
      expect(await call()).toBe("EndpointDownError");
      expect(server.chatRequests()).toHaveLength(sent);
      clock = 7000;
      expect(await call()).toBe("EndpointDownError"); // the trial call fails: open again
      expect(server.chatRequests()).toHaveLength(sent + 1);
      server.setHandler(adder());
      expect(await call()).toBe("EndpointDownError"); // still within retryAfter of the failed trial
      clock = 12_500;
      expect(await call()).toBe("ok");
      expect(await call()).toBe("ok");
    } finally {
      await server.close();
    }
  });
});

describe("an endpoint that dies mid-run", () => {
  it("stops the search cleanly: checkpoint, exit 1, the --resume command", async () => {
    const server = await startOpenAIServer({ models: ["small", "big"], handler: adder() });
    const pool = writePool("dies.yaml", server.baseURL);
    let answered = 0;
    server.setHandler((req) => {
      if (++answered === 30) void server.close();
      return adder()(req);
    });
    const out = join(dir, "dies-run");
    const started = Date.now();
    const r = await runCli(["search", "--task", taskPath, "--pool", pool, "--budget", "6", "--evals", "400", "--out", out, "--no-cache"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/its endpoint is taken to be down/);
    expect(r.stderr).toContain(`tts-graph search --resume ${out}`);
    const checkpoint = JSON.parse(readFileSync(join(out, "checkpoint.json"), "utf8"));
    expect(checkpoint.state).toBe("stopped");
    expect(checkpoint.stoppedBy).toMatch(/taken to be down/);
    expect(Date.now() - started).toBeLessThan(40_000);
  }, 60_000);
});

describe("an LLM agent whose calls always fail", () => {
  it("is noticed in its first call; the summary and the report say it never produced a usable reply", async () => {
    const agent = await startOpenAIServer({ models: ["planner"], handler: () => ({ kind: "status", status: 503, message: "overloaded" }) });
    try {
      const pool = writePool("agent.yaml", live.baseURL);
      const out = join(dir, "agent-run");
      const started = Date.now();
      const r = await runCli(["search", "--task", taskPath, "--pool", pool, "--agent", "planner", "--agent-url", agent.baseURL, "--budget", "6", "--evals", "80", "--out", out, "--no-cache"]);
      expect(r.code, r.stderr).toBe(0);
      // One call, with its retries: never called again.
      expect(agent.chatRequests().length).toBeLessThanOrEqual(4);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(r.stdout).toMatch(/warning: The LLM agent planner never produced a usable reply \(1 call, 1 failed, 0 replies rejected\)/);
      expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(/\*\*LLM agent unused\.\*\* The LLM agent planner never produced a usable reply/);
      expect(readFileSync(join(out, "report.html"), "utf8")).toContain('id="agent-unusable"');
    } finally {
      await agent.close();
    }
  }, 60_000);
});
