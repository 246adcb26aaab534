/**
 * Server faults during a search. Models are served by a real OpenAI-compatible server on 127.0.0.1
 * that answers the `arith` task deterministically (right or wrong by a fixed rule per model) and
 * injects one kind of fault at a time: on the first attempt of some calls of the `weak` and `mid`
 * models (transient), and on every attempt of most calls of the `flaky` model (persistent). For each
 * kind the search completes, retries and errors are counted in the result and the event log, an item
 * whose calls finally fail is errored (never wrong), and a graph with too many errored items is not
 * chosen. With the response cache, a run with transient faults ends exactly as the fault-free run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TtsGraphError, UserError } from "../../src/errors.js";
import { createExecContext, evaluate, ResponseCache } from "../../src/exec/index.js";
import type { Graph } from "../../src/graph/index.js";
import type { LoadedPool } from "../../src/models/pool.js";
import { resolveProviders, resolveTask } from "../../src/resolve.js";
import { RunTracker } from "../../src/runs/tracker.js";
import { parseSearchConfig } from "../../src/search/config.js";
import { Journal } from "../../src/search/events.js";
import { runSearch, type SearchResult } from "../../src/search/harness.js";
import { buildSearch } from "../../src/search/setup.js";
import type { Task } from "../../src/tasks/types.js";
import { runCli } from "../helpers/cli.js";
import { startOpenAIServer, type Behaviour, type RecordedRequest, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { answer, answerFor, AttemptBook, h, questionOf, worldPool } from "./arith-world.js";

let server: TestServer;
let task: Task;
const book = new AttemptBook();
const dir = tempDir("tts-graph-faults-");

beforeAll(async () => {
  server = await startOpenAIServer({ models: ["weak", "mid", "flaky"] });
  task = resolveTask("arith");
});
afterAll(() => server.close());
beforeEach(() => {
  server.resetStats();
  book.clear();
});

/** Most calls of `flaky` fail on every attempt. */
const persistent = (q: string) => h(q) % 10 < 7;
/** A third of the other calls fail on their first attempt only. */
const transient = (req: RecordedRequest) => h(req.rawBody) % 3 === 0;

/** Serve answers, with `fault` injected as described above. */
function faulty(fault: (req: RecordedRequest) => Behaviour) {
  return (req: RecordedRequest): Behaviour => {
    const q = questionOf(req);
    const attempt = book.attempt(req);
    if (req.body?.model === "flaky") return q !== undefined && persistent(q) ? fault(req) : answer(req);
    return transient(req) && attempt === 1 ? fault(req) : answer(req);
  };
}

/** Retry waits are recorded; backoff is kept short. */
function providers(pool: LoadedPool, waits: number[] = []) {
  return resolveProviders(pool, { task, openai: { retry: { initialDelayMs: 1, maxDelayMs: 4, onRetry: ({ delayMs }) => void waits.push(delayMs) } } });
}

function setup(pool: LoadedPool, waits: number[], cache?: ResponseCache, seed = 0) {
  const config = parseSearchConfig({ task: "arith", pool: "served", budget: 6, evals: 140, seed, selection: { candidates: 2, items: 10 }, concurrency: 32 });
  return buildSearch(config, { task, pool, providers: providers(pool, waits), cache: cache ?? null });
}

interface Fault {
  name: string;
  fault: (req: RecordedRequest) => Behaviour;
  /** The error a call that finally failed reports. */
  error: RegExp;
  retryable: boolean;
  timeoutMs?: number;
  /** Fewer retries where each failed attempt waits out a timeout. */
  maxRetries?: number;
  retryAfterMs?: number;
}

/**
 * The client's timeout where a fault is waited out: far above a normal answer's time even on a busy
 * machine (a normal answer past it would be a timeout the test did not inject), and a stalled body
 * resumes only well after it, so which calls time out never depends on the machine's load.
 */
const TIMEOUT_MS = 1500;
const STALL_MS = 4 * TIMEOUT_MS;

const FAULTS: Fault[] = [
  { name: "429 with Retry-After", fault: () => ({ kind: "status", status: 429, headers: { "retry-after-ms": "3" } }), error: /HTTP 429/, retryable: true, retryAfterMs: 3 },
  { name: "500", fault: () => ({ kind: "status", status: 500, message: "internal error" }), error: /HTTP 500.*internal error/, retryable: true },
  { name: "503", fault: () => ({ kind: "status", status: 503, message: "overloaded" }), error: /HTTP 503.*overloaded/, retryable: true },
  { name: "a hang past the timeout", fault: () => ({ kind: "hang" }), error: new RegExp(`no response .* within ${TIMEOUT_MS} ms`), retryable: true, timeoutMs: TIMEOUT_MS, maxRetries: 1 },
  { name: "the connection closed midway", fault: () => ({ kind: "close" }), error: /broke while reading|could not reach/, retryable: true },
  { name: "truncated JSON", fault: () => ({ kind: "raw", body: '{"id":"x","object":"chat.completion","choices":[{"message":{"content":"12' }), error: /not valid JSON \(truncated or corrupt\)/, retryable: true },
  { name: "a body that stalls past the timeout", fault: (req) => answer(req, { bodyDelayMs: STALL_MS }), error: new RegExp(`stalled while sending its response: not complete within ${TIMEOUT_MS} ms`), retryable: true, timeoutMs: TIMEOUT_MS, maxRetries: 1 },
  { name: "an empty message (content null)", fault: () => ({ kind: "empty" }), error: /the message has no content/, retryable: false },
];

describe.each(FAULTS)("a search against a server answering $name", ({ fault, error, retryable, timeoutMs, maxRetries = 2, retryAfterMs }) => {
  it("completes; retries and errors are counted; failed calls make items errored, never wrong; failed graphs are not chosen", async () => {
    server.setHandler(faulty(fault));
    const pool = worldPool(server.baseURL, { flaky: true, maxRetries, ...(timeoutMs ? { timeoutMs } : {}) });
    const waits: number[] = [];
    const journal = new Journal();
    const r = await runSearch(setup(pool, waits), { sink: journal });
    // The whole budget, less selection slots left unused when too few graphs ran without failing.
    expect(r.cost.evals.total).toBeGreaterThan(140 - 20);
    expect(r.cost.evals.total).toBeLessThanOrEqual(140);

    const batches = journal.ofType("eval.batch");
    const outcomes = batches.flatMap((b) => b.items);
    const errored = outcomes.filter((o) => o.errored);
    expect(errored.length).toBeGreaterThan(0);
    for (const o of errored) {
      expect(o.correct).toBeNull();
      expect(o.error).toMatch(error);
    }
    expect(r.cost.erroredItems).toBe(errored.length);
    // The progress line and checkpoints count what the result counts: an errored item's calls and
    // FLOPs were spent all the same.
    const tracker = new RunTracker();
    for (const e of journal.events) tracker.onEvent(e);
    const progress = tracker.snapshot();
    expect(progress.erroredItems).toBe(r.cost.erroredItems);
    expect(progress.calls).toBe(r.cost.graphCalls);
    expect(progress.flops).toBeCloseTo(r.cost.graphFlops, -3);
    // Retries: in the result, in the log, and the waits the retry policy made.
    const loggedRetries = outcomes.reduce((s, o) => s + (o.retries ?? 0), 0);
    expect(r.cost.graphRetries).toBe(loggedRetries);
    if (retryable) {
      expect(r.cost.graphRetries).toBeGreaterThan(0);
      expect(waits.length).toBe(r.cost.graphRetries);
    } else {
      expect(r.cost.graphRetries).toBe(0);
      expect(waits).toEqual([]);
    }
    // The server's Retry-After is what the client waited.
    if (retryAfterMs !== undefined) expect(new Set(waits)).toEqual(new Set([retryAfterMs]));

    // Graphs with the flaky model failed and were not chosen; the chosen one was validated.
    const failed = new Set(batches.filter((b) => b.status === "failed").map((b) => b.hash));
    expect(failed.size).toBeGreaterThan(0);
    expect(failed.has(r.best.hash)).toBe(false);
    expect(r.best.validation).toBeDefined();
    expect(r.best.validation!.errored / r.best.validation!.items).toBeLessThanOrEqual(0.5);
    for (const c of r.candidates) expect(failed.has(c.hash)).toBe(false);
  }, 120_000);

  it("evaluate: exactly the items whose calls finally failed are errored; the others are graded right or wrong as served", async () => {
    server.setHandler(faulty(fault));
    const pool = worldPool(server.baseURL, { flaky: true, maxRetries, ...(timeoutMs ? { timeoutMs } : {}) });
    const ctx = createExecContext({ task, models: pool.pool.models, providers: providers(pool), concurrency: 32 });
    // flaky -> mid: the item errors when flaky's call fails; otherwise mid's answer decides.
    const graph: Graph = { version: 1, nodes: [{ id: "f", model: "flaky", role: "assistant" }, { id: "o", model: "mid", role: "assistant" }], edges: [["f", "o"]], output: "o" };
    const items = task.items("search").slice(0, 24);
    const res = await evaluate(graph, items, ctx);
    for (const [k, t] of res.traces.entries()) {
      const q = items[k]!.question;
      const midFailed = !retryable && t.nodes.some((n) => n.id === "o" && n.error);
      expect(t.errored, `item ${q}`).toBe(persistent(q) || midFailed);
      if (t.errored) {
        expect(t.correct).toBeNull();
        expect(t.error!.message).toMatch(error);
        if (persistent(q)) {
          expect(t.error!.node).toBe("f");
          // Every allowed attempt was made before giving up on a retryable fault.
          expect(t.nodes.find((n) => n.id === "f")!.attempts).toBe(retryable ? maxRetries + 1 : 1);
        }
      } else {
        expect(t.correct).toBe(answerFor("mid", q) === items[k]!.answer);
      }
    }
    expect(res.errored).toBe(res.traces.filter((t) => t.errored).length);
    expect(res.errored).toBeGreaterThan(0);
    expect(res.accuracy.n).toBe(items.length - res.errored);
    expect(res.retries).toBe(res.traces.flatMap((t) => t.nodes).reduce((s, n) => s + n.attempts - 1, 0));
    if (retryable) expect(res.retries).toBeGreaterThan(0);
  }, 120_000);
});

describe("a server that fails every call", () => {
  it("the search stops with a runtime error (not a user error) naming an error it saw, and makes no choice on no evidence", async () => {
    server.setHandler(() => ({ kind: "status", status: 503, message: "maintenance" }));
    const pool = worldPool(server.baseURL, { maxRetries: 0 });
    const err = await runSearch(setup(pool, [])).catch((e: unknown) => e);
    expect(TtsGraphError.isInstance(err)).toBe(true);
    expect(err).not.toBeInstanceOf(UserError);
    expect((err as TtsGraphError).code).toBe("search_failed");
    expect((err as TtsGraphError).message).toMatch(/every evaluated graph failed .*check the model endpoints \(an error seen: .*HTTP 503.*maintenance/);
  });
});

describe("faults that are not failures", () => {
  it("usage omitted: the search completes and the token counts are marked estimated", async () => {
    server.setHandler((req) => answer(req, { usage: false }));
    const pool = worldPool(server.baseURL);
    const ctx = createExecContext({ task, models: pool.pool.models, providers: providers(pool) });
    const graph: Graph = { version: 1, nodes: [{ id: "o", model: "mid", role: "assistant" }], edges: [], output: "o" };
    const res = await evaluate(graph, task.items("search").slice(0, 10), ctx);
    expect(res.errored).toBe(0);
    expect(res.estimatedCalls).toBe(res.calls);
    expect(res.traces.every((t) => t.estimated && t.flops > 0)).toBe(true);
    const r = await runSearch(setup(pool, []));
    expect(r.cost.evals.total).toBe(140);
    expect(r.cost.erroredItems).toBe(0);
    expect(r.cost.graphRetries).toBe(0);
  });

  it("a slow but complete response (within the timeout) is neither retried nor an error", async () => {
    server.setHandler((req) => answer(req, { delayMs: 30, bodyDelayMs: 30 }));
    const pool = worldPool(server.baseURL, { timeoutMs: 5_000 });
    const ctx = createExecContext({ task, models: pool.pool.models, providers: providers(pool) });
    const graph: Graph = { version: 1, nodes: [{ id: "a", model: "weak", role: "assistant" }, { id: "o", model: "mid", role: "assistant" }], edges: [["a", "o"]], output: "o" };
    const items = task.items("search").slice(0, 8);
    const res = await evaluate(graph, items, ctx);
    expect(res.errored).toBe(0);
    expect(res.retries).toBe(0);
    res.traces.forEach((t, k) => expect(t.correct).toBe(answerFor("mid", items[k]!.question) === items[k]!.answer));
  });
});

describe("with the response cache", () => {
  /** What a run decided, without wall-clock latencies (which differ between any two runs). */
  const decision = (r: SearchResult) => ({
    best: r.best.hash,
    validation: r.best.validation && { items: r.best.validation.items, correct: r.best.validation.correct, errored: r.best.validation.errored },
    candidates: r.candidates.map((c) => [c.hash, c.search.items, c.search.correct, c.search.errored, c.validation?.correct ?? null]),
    evals: r.cost.evals,
    graphCalls: r.cost.graphCalls,
    evaluatedGraphs: r.evaluatedGraphs,
    curve: r.curve.map((p) => [p.iteration, p.evals, p.best, p.bestHash]),
  });

  it("a run with transient faults ends as the fault-free run, and a rerun is served from the cache", async () => {
    const pool = worldPool(server.baseURL);
    server.setHandler((req) => answer(req));
    const clean = await runSearch(setup(pool, [], undefined, 5));
    expect(clean.cost.graphRetries).toBe(0);

    const kinds: Behaviour[] = [
      { kind: "status", status: 429, headers: { "retry-after-ms": "2" } },
      { kind: "status", status: 500 },
      { kind: "status", status: 503 },
      { kind: "close" },
      { kind: "raw", body: '{"choices":[{"mess' },
    ];
    server.setHandler((req) => (book.attempt(req) === 1 && transient(req) ? kinds[h(req.rawBody) % kinds.length]! : answer(req)));
    const cache = ResponseCache.open(join(dir, "cache.sqlite"));
    try {
      const faulty = await runSearch(setup(pool, [], cache, 5));
      expect(faulty.cost.graphRetries).toBeGreaterThan(0);
      expect(faulty.cost.erroredItems).toBe(0);
      expect(decision(faulty)).toEqual(decision(clean));

      // Every answer is cached now: a rerun against a server that only fails makes no call.
      server.resetStats();
      server.setHandler(() => ({ kind: "status", status: 500 }));
      const rerun = await runSearch(setup(pool, [], cache, 5));
      expect(server.chatRequests()).toHaveLength(0);
      expect(decision(rerun)).toEqual(decision(clean));
    } finally {
      cache.close();
    }
  });
});

describe("tts-graph search against a rate-limited server", () => {
  it("completes and reports retried attempts and errored items in its summary and result.json", async () => {
    server.setHandler(faulty(() => ({ kind: "status", status: 429, headers: { "retry-after-ms": "1" } })));
    const pool = worldPool(server.baseURL, { flaky: true, maxRetries: 1 });
    const poolFile = join(dir, "pool.json");
    writeFileSync(poolFile, JSON.stringify({ version: 1, name: "served", models: pool.pool.models }));
    const config = join(dir, "search.yaml");
    writeFileSync(config, "evals: 120\nbudget: 6\nselection:\n  candidates: 2\n  items: 10\n");
    const out = join(dir, "run");
    const r = await runCli(["search", "--config", config, "--task", "arith", "--pool", poolFile, "--no-cache", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const m = /(\d+) model calls \((\d+) retried attempts\), (\d+) errored items/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as SearchResult;
    expect(Number(m![2])).toBe(result.cost.graphRetries);
    expect(Number(m![3])).toBe(result.cost.erroredItems);
    expect(result.cost.graphRetries).toBeGreaterThan(0);
    expect(result.cost.erroredItems).toBeGreaterThan(0);
    expect(result.best.search.errored / result.best.search.items).toBeLessThanOrEqual(0.5);
  });
});
