import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ProviderCallError, ProviderConfigError, RetryError } from "../../src/models/errors.js";
import { createOpenAIProvider, retryAfterMs, type OpenAIProviderOptions } from "../../src/models/openai.js";
import type { CallRequest } from "../../src/models/provider.js";
import type { ModelSpec } from "../../src/models/spec.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startOpenAIServer({ models: ["tiny"] });
});
afterAll(() => server.close());
beforeEach(() => {
  server.resetStats();
  server.setHandler((req) => ({ kind: "answer", text: `echo: ${req.body?.messages?.at(-1)?.content ?? ""}` }));
});

function model(endpoint: Partial<Extract<ModelSpec["endpoint"], { kind: "openai" }>> = {}): ModelSpec {
  return { id: "tiny-1b", family: "tiny", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL: server.baseURL, model: "tiny", ...endpoint } };
}

function request(m: ModelSpec, question = "What is 2+3?", sampleIndex = 0): CallRequest {
  return {
    model: m,
    messages: [
      { role: "system", content: "Answer in \\boxed{}." },
      { role: "user", content: question },
    ],
    metadata: { role: "assistant", isOutput: true, style: "math", taskId: "test", item: { id: "q1", question }, references: [] },
    sampling: { temperature: 0.5, maxTokens: 64, seed: 1234 },
    sampleIndex,
  };
}

/** Retry options that record every wait and keep backoff short. */
function recording(extra: OpenAIProviderOptions = {}): { options: OpenAIProviderOptions; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    options: {
      ...extra,
      retry: {
        initialDelayMs: 5,
        maxDelayMs: 20,
        ...extra.retry,
        sleep: (ms) => {
          waits.push(ms);
          return new Promise((r) => setTimeout(r, ms));
        },
      },
    },
  };
}

describe("OpenAI-compatible provider against a real HTTP server", () => {
  it("sends one completion per call with seed, temperature and max_tokens, and maps the answer", async () => {
    const p = createOpenAIProvider(model());
    const r = await p.generate(request(model()));
    expect(r.text).toBe("echo: What is 2+3?");
    expect(r.finishReason).toBe("stop");
    expect(r.rawFinishReason).toBe("stop");
    // The test server counts words: 3 (system) + 3 (user) prompt, 4 completion.
    expect(r.usage.promptTokens).toBe(6);
    expect(r.usage.completionTokens).toBe(4);
    expect(r.attempts).toBe(1);
    expect(r.latencyMs).toBeGreaterThan(0);
    const [sent] = server.chatRequests();
    expect(sent!.body).toMatchObject({ model: "tiny", seed: 1234, temperature: 0.5, max_tokens: 64 });
    expect(sent!.body!.n).toBeUndefined();
    expect(sent!.body!.stream).toBeFalsy();
    expect(sent!.body!.messages).toEqual(request(model()).messages);
  });

  it("keeps usage undefined (never 0) when the server sends none", async () => {
    server.enqueue({ kind: "answer", text: "\\boxed{5}", usage: false });
    const r = await createOpenAIProvider(model()).generate(request(model()));
    expect(r.text).toBe("\\boxed{5}");
    expect(r.usage.promptTokens).toBeUndefined();
    expect(r.usage.completionTokens).toBeUndefined();
  });

  it("maps finish reasons to the unified set and keeps the raw one", async () => {
    server.enqueue({ kind: "answer", text: "cut", finishReason: "length" }, { kind: "answer", text: "x", finishReason: "tool_calls" });
    const p = createOpenAIProvider(model());
    const a = await p.generate(request(model()));
    const b = await p.generate(request(model()));
    expect([a.finishReason, a.rawFinishReason]).toEqual(["length", "length"]);
    expect([b.finishReason, b.rawFinishReason]).toEqual(["other", "tool_calls"]);
  });

  it("retries a 429 after the time its Retry-After asks for", async () => {
    server.enqueue({ kind: "status", status: 429, headers: { "retry-after": "1" } });
    const { options, waits } = recording();
    const r = await createOpenAIProvider(model(), options).generate(request(model()));
    expect(r.text).toBe("echo: What is 2+3?");
    expect(r.attempts).toBe(2);
    expect(waits).toEqual([1000]);
    expect(server.chatRequests()).toHaveLength(2);
  });

  it("prefers retry-after-ms over retry-after", async () => {
    server.enqueue({ kind: "status", status: 429, headers: { "retry-after-ms": "150", "retry-after": "30" } });
    const { options, waits } = recording();
    const r = await createOpenAIProvider(model(), options).generate(request(model()));
    expect(r.attempts).toBe(2);
    expect(waits).toEqual([150]);
  });

  it("retries a 500 and a 503 with backoff, then succeeds", async () => {
    server.enqueue({ kind: "status", status: 500 }, { kind: "status", status: 503 });
    const { options, waits } = recording();
    const r = await createOpenAIProvider(model(), options).generate(request(model()));
    expect(r.attempts).toBe(3);
    expect(waits).toHaveLength(2);
    // Jittered exponential backoff: within [0.5, 1] of 5 ms then 10 ms.
    expect(waits[0]).toBeGreaterThanOrEqual(2);
    expect(waits[0]).toBeLessThanOrEqual(5);
    expect(waits[1]).toBeGreaterThanOrEqual(5);
    expect(waits[1]).toBeLessThanOrEqual(10);
    expect(server.chatRequests()).toHaveLength(3);
  });

  it("gives up after maxRetries with a RetryError holding every attempt", async () => {
    server.setHandler(() => ({ kind: "status", status: 503, message: "overloaded" }));
    const { options } = recording();
    const err = await createOpenAIProvider(model({ maxRetries: 2 }), options)
      .generate(request(model()))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryError);
    const re = err as RetryError;
    expect(re.reason).toBe("max_retries");
    expect(re.errors).toHaveLength(3);
    expect(re.message).toMatch(/3 attempts.*HTTP 503.*overloaded/);
    expect(server.chatRequests()).toHaveLength(3);
  });

  it("fails at once on a 400, which is not retryable", async () => {
    server.enqueue({ kind: "status", status: 400, message: "bad request: unknown field" });
    const { options, waits } = recording();
    const err = await createOpenAIProvider(model(), options)
      .generate(request(model()))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    const pe = err as ProviderCallError;
    expect(pe.status).toBe(400);
    expect(pe.isRetryable).toBe(false);
    expect(pe.message).toContain("unknown field");
    expect(pe.responseBody).toContain("unknown field");
    expect(waits).toEqual([]);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it("reports truncated JSON as an error, never as an answer", async () => {
    server.setHandler(() => ({ kind: "raw", body: '{"id":"x","choices":[{"message":{"content":"\\\\boxed{5' }));
    const { options } = recording();
    const err = await createOpenAIProvider(model({ maxRetries: 1 }), options)
      .generate(request(model()))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryError);
    const last = (err as RetryError).errors.at(-1) as ProviderCallError;
    expect(last.code).toBe("bad_response");
    expect(last.message).toMatch(/not valid JSON/);
  });

  it("rejects responses of the wrong shape with a message naming the field", async () => {
    const cases: [unknown, RegExp][] = [
      [{ id: "x", choices: [] }, /empty `choices`/],
      [{ id: "x" }, /choices/],
      [{ id: "x", choices: [{ message: { content: 42 }, finish_reason: "stop" }] }, /choices\[0\]\.message\.content: the message content is not a string/],
      [[1, 2], /not a JSON object/],
    ];
    const p = createOpenAIProvider(model());
    for (const [body, pattern] of cases) {
      server.enqueue({ kind: "raw", body: JSON.stringify(body) });
      const err = await p.generate(request(model())).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderCallError);
      expect((err as ProviderCallError).isRetryable).toBe(false);
      expect((err as Error).message).toMatch(pattern);
    }
  });

  it("treats a message without content as an error", async () => {
    server.enqueue({ kind: "empty" });
    const err = await createOpenAIProvider(model())
      .generate(request(model()))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect((err as Error).message).toMatch(/has no content/);
  });

  it("times out a hanging server and retries", async () => {
    server.enqueue({ kind: "hang" });
    const { options } = recording();
    const r = await createOpenAIProvider(model({ timeoutMs: 300 }), options).generate(request(model()));
    expect(r.attempts).toBe(2);
    expect(r.text).toBe("echo: What is 2+3?");
  });

  it("reports a timeout when every attempt hangs", async () => {
    server.setHandler(() => ({ kind: "hang" }));
    const { options } = recording();
    const err = await createOpenAIProvider(model({ timeoutMs: 200, maxRetries: 0 }), options)
      .generate(request(model()))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect((err as ProviderCallError).code).toBe("timeout");
    expect((err as Error).message).toMatch(/within 200 ms/);
  });

  it("retries a connection closed midway through the body", async () => {
    server.enqueue({ kind: "close" });
    const { options } = recording();
    const r = await createOpenAIProvider(model(), options).generate(request(model()));
    expect(r.attempts).toBe(2);
  });

  it("reports an unreachable server as a retryable connection error", async () => {
    const m: ModelSpec = { ...model(), endpoint: { kind: "openai", baseURL: "http://127.0.0.1:1/v1", model: "tiny", maxRetries: 0 } };
    const err = await createOpenAIProvider(m)
      .generate(request(m))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect((err as ProviderCallError).isRetryable).toBe(true);
    expect((err as Error).message).toMatch(/could not reach http:\/\/127\.0\.0\.1:1\/v1/);
  });

  it("limits requests in flight per endpoint", async () => {
    server.setHandler(() => ({ kind: "answer", text: "ok", delayMs: 60 }));
    const m = model({ concurrency: 2 });
    const p = createOpenAIProvider(m);
    await Promise.all(Array.from({ length: 6 }, (_, i) => p.generate(request(m, `q${i}`))));
    expect(server.chatRequests()).toHaveLength(6);
    expect(server.maxInFlight).toBe(2);
  });

  it("reads the API key from the variable the endpoint names, and says how to fix a missing one", async () => {
    const m = model({ apiKeyEnv: "TINY_KEY" });
    expect(() => createOpenAIProvider(m, { env: {} })).toThrow(ProviderConfigError);
    expect(() => createOpenAIProvider(m, { env: {} })).toThrow(/TINY_KEY, which is not set/);
    await createOpenAIProvider(m, { env: { TINY_KEY: "sk-test-123" } }).generate(request(m));
    expect(server.chatRequests()[0]!.headers.authorization).toBe("Bearer sk-test-123");
    // A local server with no key configured gets a placeholder rather than an error.
    await createOpenAIProvider(model(), { env: {} }).generate(request(model()));
    expect(server.chatRequests()[1]!.headers.authorization).toBe("Bearer no-key");
  });
});

describe("retryAfterMs", () => {
  const h = (o: Record<string, string>) => ({ get: (k: string) => o[k] ?? null });
  it("reads milliseconds, seconds and HTTP dates", () => {
    expect(retryAfterMs(h({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(h({ "retry-after": "2" }))).toBe(2000);
    expect(retryAfterMs(h({ "retry-after": new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(retryAfterMs(h({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(h({}))).toBeUndefined();
  });
});
