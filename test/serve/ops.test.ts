/**
 * What operating a served graph needs, through the official Node `openai` client and plain HTTP:
 * `/v1/completions`, an API key (flag or environment variable) with OpenAI's 401, `/health` ready
 * only once the pool's models answered a probe, and `/metrics` in the Prometheus text format.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI, { APIError, AuthenticationError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_ENV, startServe, type ServeSession } from "../../src/cli/commands/serve.js";
import { resolveTask } from "../../src/resolve.js";
import type { ModelSpec } from "../../src/models/spec.js";
import { probeModel } from "../../src/serve/health.js";
import { startOpenAIServer } from "../helpers/openai-server.js";
import { ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const GRAPHS = join(ROOT, "examples", "graphs");
const OPTS = { task: "sim:math", pool: "sim:llama", host: "127.0.0.1", port: 0, cache: false as const };

describe("completions, metrics and health on the simulated pool", () => {
  const item = resolveTask("sim:math", { seed: 0 }).items("test")[0]!;
  let session: ServeSession;
  let openai: OpenAI;

  beforeAll(async () => {
    session = await startServe([join(GRAPHS, "chain.json")], OPTS);
    openai = new OpenAI({ baseURL: `${session.server.url}/v1`, apiKey: "none", maxRetries: 0 });
  });
  afterAll(async () => session?.close());

  it("answers /v1/completions with the text a chat completion gives, whole and streamed", async () => {
    const chat = await openai.chat.completions.create({ model: "chain", messages: [{ role: "user", content: item.question }], seed: 9 });
    const r = await openai.completions.create({ model: "chain", prompt: item.question, seed: 9 });
    expect(r.object).toBe("text_completion");
    expect(r.choices[0]!.text).toBe(chat.choices[0]!.message.content);
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.usage).toEqual(chat.usage);

    const stream = await openai.completions.create({ model: "chain", prompt: item.question, seed: 9, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      else text += chunk.choices[0]!.text;
    }
    expect(text).toBe(r.choices[0]!.text);
    expect(usage).toEqual(r.usage);

    const e = (await openai.completions.create({ model: "chain", prompt: item.question, echo: true }).catch((x: unknown) => x)) as APIError;
    expect(e).toBeInstanceOf(APIError);
    expect([e.status, e.param]).toEqual([400, "echo"]);
  });

  it("is ready at once: simulated models need no probe", async () => {
    const r = await fetch(`${session.server.url}/health`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { status: string; models: Record<string, { state: string }> };
    expect(body.status).toBe("ready");
    expect(Object.values(body.models).every((m) => m.state === "ready")).toBe(true);
  });

  it("exposes requests, errors, latency, tokens, FLOPs and in-flight requests as Prometheus text", async () => {
    await openai.chat.completions.create({ model: "chain", messages: [{ role: "user", content: item.question }], seed: 1 });
    await openai.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }).catch(() => undefined);
    const r = await fetch(`${session.server.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const value = (series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('tts_graph_requests_total{endpoint="/v1/chat/completions",model="chain",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(value('tts_graph_requests_total{endpoint="/v1/chat/completions",model="",status="404"}')).toBe(1);
    expect(value('tts_graph_errors_total{kind="model_not_found"}')).toBe(1);
    const count = value('tts_graph_request_duration_seconds_count{endpoint="/v1/chat/completions"}')!;
    expect(value('tts_graph_request_duration_seconds_bucket{endpoint="/v1/chat/completions",le="+Inf"}')).toBe(count);
    expect(count).toBeGreaterThanOrEqual(2);
    expect(value('tts_graph_tokens_total{model="llama-3b",kind="completion"}')).toBeGreaterThan(0);
    expect(value('tts_graph_flops_total{model="llama-3b"}')).toBeGreaterThan(0);
    // The scrape itself is the one request in flight.
    expect(value("tts_graph_requests_in_flight")).toBe(1);
    for (const name of ["tts_graph_requests_total", "tts_graph_errors_total", "tts_graph_request_duration_seconds", "tts_graph_tokens_total", "tts_graph_flops_total", "tts_graph_requests_in_flight"]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|histogram|gauge)$`, "m"));
    }
  });
});

describe("an API key", () => {
  let session: ServeSession;

  afterAll(async () => session?.close());

  it("is required on /v1 when given, with OpenAI's 401 for a wrong or missing key; /health stays open", async () => {
    session = await startServe([join(GRAPHS, "single.json")], { ...OPTS, apiKey: "sekret" });
    const url = `${session.server.url}/v1`;
    const wrong = new OpenAI({ baseURL: url, apiKey: "guess", maxRetries: 0 });
    const e = (await wrong.models.list().catch((x: unknown) => x)) as APIError;
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.status).toBe(401);
    expect(e.code).toBe("invalid_api_key");
    expect(e.type).toBe("invalid_request_error");
    const missing = await fetch(`${url}/models`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/no API key was sent/);
    const right = new OpenAI({ baseURL: url, apiKey: "sekret", maxRetries: 0 });
    expect((await right.models.list()).data.map((m) => m.id)).toEqual(["single"]);
    expect((await fetch(`${session.server.url}/health`)).status).toBe(200);
  });

  it("is read from the environment when no flag gives it", async () => {
    await session?.close();
    process.env[API_KEY_ENV] = "from-env";
    try {
      session = await startServe([join(GRAPHS, "single.json")], OPTS);
    } finally {
      delete process.env[API_KEY_ENV];
    }
    const url = `${session.server.url}/v1`;
    expect((await fetch(`${url}/models`)).status).toBe(401);
    const right = new OpenAI({ baseURL: url, apiKey: "from-env", maxRetries: 0 });
    expect((await right.models.list()).data).toHaveLength(1);
  });
});

describe("/health with an unreachable endpoint", () => {
  const dir = tempDir();
  let session: ServeSession;
  afterAll(async () => session?.close());

  it("is 503, naming the model and why, while a pool model has not answered its probe", async () => {
    const pool = join(dir, "pool.json");
    // Port 9 (discard) on 127.0.0.1 refuses connections.
    writeFileSync(pool, JSON.stringify({ version: 1, models: [{ id: "gone", family: "t", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL: "http://127.0.0.1:9/v1", model: "m", maxRetries: 0 } }] }));
    const graph = join(dir, "one.json");
    writeFileSync(graph, JSON.stringify({ version: 1, name: "one", nodes: [{ id: "a", role: "assistant", model: "gone" }], edges: [], output: "a" }));
    // `serve` probes endpoints before it listens; with --no-probe it starts, and /health says what is down.
    session = await startServe([graph], { pool, host: "127.0.0.1", port: 0, cache: false, probe: false });
    const r = await fetch(`${session.server.url}/health`);
    expect(r.status).toBe(503);
    const body = (await r.json()) as { status: string; models: Record<string, { state: string; error?: string }> };
    expect(body.status).toBe("not_ready");
    expect(body.models.gone!.state).toBe("unreachable");
    expect(body.models.gone!.error).toMatch(/127\.0\.0\.1:9/);
  });
});

describe("readiness of a model with replicas", () => {
  it("is ready when one replica answers, and names every dead one when none does", async () => {
    const live = await startOpenAIServer();
    try {
      const spec = (urls: string[]) => ({
        id: "m",
        family: "t",
        params: 1e9,
        layers: 16,
        hidden: 2048,
        endpoint: { kind: "openai" as const, baseURL: urls[0]!, model: "m" },
        endpoints: urls.map((baseURL) => ({ kind: "openai" as const, baseURL, model: "m" })),
      });
      // Port 9 (discard) on 127.0.0.1 refuses connections.
      expect(await probeModel(spec(["http://127.0.0.1:9/v1", live.baseURL]) as ModelSpec)).toEqual({ state: "ready" });
      const down = await probeModel(spec(["http://127.0.0.1:9/v1", "http://127.0.0.1:9/v2"]) as ModelSpec);
      expect(down.state).toBe("unreachable");
      expect(down.state === "unreachable" && down.error).toMatch(/127\.0\.0\.1:9\/v1: .*; http:\/\/127\.0\.0\.1:9\/v2: /);
    } finally {
      await live.close();
    }
  });
});
