/**
 * Searches whose evaluations run on worker processes pulling from a real Redis (BullMQ), against the
 * local executor: the same result and journal, each distinct model call paid once, the per-endpoint
 * cap held over all workers, a worker killed with SIGKILL midway costing nothing but its calls in
 * flight, a coordinator killed with SIGKILL resumed with no call paid twice, and a Redis restart
 * losing no job.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueStatus } from "../../src/queue/index.js";
import { readJournal } from "../../src/runs/journal.js";
import type { RecordedEvent } from "../../src/search/events.js";
import { BIN, runCli } from "../helpers/cli.js";
import { alive, childrenOf } from "../helpers/procs.js";
import { startOpenAIServer, type RecordedRequest, type TestServer } from "../helpers/openai-server.js";
import { freePort, redisMissing, startRedis, startWorker, type RedisProcess, type WorkerProcess } from "../helpers/redis.js";
import { tempDir } from "../helpers/tmp.js";
import { adder, writeArithmeticTask } from "../exec/helpers.js";

const missing = redisMissing();
if (missing) console.log(`skipping the queue executor tests: ${missing}`);
const CAP = 2;

const dir = tempDir();
let redis: RedisProcess;
let server: TestServer;
let workers: WorkerProcess[] = [];
const configPath = join(dir, "search.json");
const add = adder((a) => a % 3 === 0);

/** What decides a call's answer: the body minus nothing that varies between identical calls. */
const callKey = (r: RecordedRequest) => JSON.stringify([r.body?.model, r.body?.messages, r.body?.seed, r.body?.temperature]);

/** Each evaluation of a journal (split, graph, item), with how often the journal holds it. */
function evaluations(events: readonly RecordedEvent[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of events) if (e.type === "eval.batch") for (const o of e.items) m.set(`${e.split}/${e.hash}/${o.itemId}`, (m.get(`${e.split}/${e.hash}/${o.itemId}`) ?? 0) + 1);
  return m;
}

/** A run's file with measured wall-clock latencies (and the Pareto set they decide) left out. */
function withoutTimes(text: string): unknown {
  return JSON.parse(text, (k, v: unknown) => (/latency/i.test(k) || k === "pareto" || k === "at" || k === "elapsedMs" ? undefined : v));
}
const journalWithoutTimes = (path: string) => readFileSync(path, "utf8").trim().split("\n").map((l) => withoutTimes(l));

/** A config file of the test's search with another seed (nothing of it cached yet). */
function seeded(seed: number): string {
  const cfg = join(dir, `search-seed${seed}.json`);
  writeFileSync(cfg, JSON.stringify({ ...JSON.parse(readFileSync(configPath, "utf8")), seed }));
  return cfg;
}

/** A queued search of `cfg` into `out`, resolved once the server has had `requests` calls (its exit code and stderr to come). */
async function coordinatorMidway(cfg: string, out: string, url: string, requests = 40) {
  server.resetStats();
  const proc = spawn(process.execPath, [BIN, "search", "--config", cfg, "--out", out, "--executor", "queue", "--queue", url, "--json"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (c) => resolve(c)));
  while (server.chatRequests().length < requests && proc.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  return { proc, exited, stderr: () => stderr };
}

/** The local executor's run of `cfg`, with the queued run in `out` checked against it. */
async function expectLocalResult(cfg: string, out: string): Promise<void> {
  const alone = `${out}-local`;
  const c = await runCli(["search", "--config", cfg, "--out", alone, "--cache", `${alone}.sqlite`, "--json"]);
  expect(c.code, c.stderr).toBe(0);
  expect(withoutTimes(readFileSync(join(out, "result.json"), "utf8"))).toEqual(withoutTimes(readFileSync(join(alone, "result.json"), "utf8")));
}

beforeAll(async () => {
  if (missing) return;
  redis = await startRedis();
  server = await startOpenAIServer({ models: ["small", "big"], handler: async (req) => ({ ...add(req), delayMs: 15 }) as ReturnType<typeof add> });
  const pairs = Array.from({ length: 60 }, (_, i) => [i + 1, 2 * i + 3] as [number, number]);
  const { path: taskPath } = writeArithmeticTask(dir, pairs);
  const poolPath = join(dir, "pool.yaml");
  const model = (id: string) => [`  - id: ${id}`, "    family: test", `    params: ${id === "big" ? 3e9 : 1e9}`, "    layers: 16", "    hidden: 2048", "    endpoint:", "      kind: openai", `      baseURL: ${server.baseURL}`, `      model: ${id}`, "      maxRetries: 0", `      concurrency: ${CAP}`];
  // Both models sit on one server, but each is its own endpoint with its own cap.
  writeFileSync(poolPath, ["models:", ...model("small"), ...model("big")].join("\n") + "\n");
  writeFileSync(configPath, JSON.stringify({ task: taskPath, pool: poolPath, budget: 6, evals: 90, batch: 4, samples: 3, selection: { candidates: 2, items: 6 } }));
  workers = await Promise.all([0, 1, 2].map(() => startWorker(redis.url)));
}, 60_000);

afterAll(async () => {
  if (missing) return;
  await Promise.all(workers.map((w) => w.stop()));
  await server.close();
  await redis.stop();
});

describe.skipIf(missing !== undefined)("search --executor queue with three worker processes", () => {
  let local: string;
  let localCalls: Set<string>;

  it("on the simulator gives byte for byte the local executor's result.json and journal", async () => {
    const args = ["search", "--task", "sim:math", "--pool", "sim:llama", "--evals", "300", "--seed", "5", "--json"];
    const a = await runCli([...args, "--out", join(dir, "sim-local")]);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli([...args, "--out", join(dir, "sim-queue"), "--executor", "queue", "--queue", redis.url]);
    expect(b.code, b.stderr).toBe(0);
    for (const f of ["result.json", "events.jsonl", "best.graph.json"]) expect(readFileSync(join(dir, "sim-queue", f), "utf8")).toBe(readFileSync(join(dir, "sim-local", f), "utf8"));
  }, 120_000);

  it("over a real server gives the local result, each distinct call reaches the server once, and no endpoint exceeds its cap", async () => {
    local = join(dir, "local");
    const a = await runCli(["search", "--config", configPath, "--out", local, "--cache", join(dir, "local.sqlite"), "--json"]);
    expect(a.code, a.stderr).toBe(0);
    localCalls = new Set(server.chatRequests().map(callKey));
    expect(localCalls.size).toBeGreaterThan(20);

    server.resetStats();
    const queued = join(dir, "queued");
    const b = await runCli(["search", "--config", configPath, "--out", queued, "--executor", "queue", "--queue", redis.url, "--json"]);
    expect(b.code, b.stderr).toBe(0);
    const reqs = server.chatRequests();
    expect(new Set(reqs.map(callKey))).toEqual(localCalls);
    expect(reqs).toHaveLength(localCalls.size);
    // Two endpoints of CAP each: never more in flight at once, over all three workers.
    expect(server.maxInFlight).toBeLessThanOrEqual(2 * CAP);
    expect(withoutTimes(readFileSync(join(queued, "result.json"), "utf8"))).toEqual(withoutTimes(readFileSync(join(local, "result.json"), "utf8")));
    expect(journalWithoutTimes(join(queued, "events.jsonl"))).toEqual(journalWithoutTimes(join(local, "events.jsonl")));
    // Each job was removed once the coordinator had read its result: a long run does not grow Redis.
    expect((await queueStatus(redis.url)).jobs).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    // Every worker took part.
    const jobs = workers.map((w) => w.stderr());
    expect(jobs.every((s) => s.includes("pulling"))).toBe(true);
  }, 180_000);

  it("finishes with no evaluation lost or duplicated after a worker is killed with SIGKILL midway", async () => {
    const cfg = seeded(7);
    const out = join(dir, "killed");
    const coordinator = await coordinatorMidway(cfg, out, redis.url);
    const victim = workers[0]!;
    victim.proc.kill("SIGKILL");
    expect(await coordinator.exited, coordinator.stderr()).toBe(0);
    const evals = evaluations(readJournal(join(out, "events.jsonl")).events);
    expect([...evals.values()].every((n) => n === 1)).toBe(true);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as { cost: { evals: { total: number } } };
    expect(evals.size).toBe(result.cost.evals.total);
    // Only calls in flight on the killed worker may have been paid twice.
    const reqs = server.chatRequests();
    const distinct = new Set(reqs.map(callKey)).size;
    expect(reqs.length - distinct).toBeLessThanOrEqual(2 * CAP);
    await expectLocalResult(cfg, out);
    workers[0] = await startWorker(redis.url);
  }, 240_000);

  it("after the coordinator is killed with SIGKILL, --resume ends as the local run with no call paid twice; status shows the queue", async () => {
    const cfg = seeded(11);
    const out = join(dir, "coordinator-killed");
    const coordinator = await coordinatorMidway(cfg, out, redis.url);
    coordinator.proc.kill("SIGKILL");
    await coordinator.exited;
    const r = await runCli(["search", "--resume", out, "--executor", "queue", "--queue", redis.url, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const reqs = server.chatRequests();
    expect(reqs).toHaveLength(new Set(reqs.map(callKey)).size);

    const status = await runCli(["status", out, "--queue", redis.url, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout) as { state: string; queue: { workers: unknown[]; jobs: { waiting: number; completed: number; failed: number }; spend: { items: number; calls: number } } };
    expect(s.state).toBe("finished");
    expect(s.queue.workers).toHaveLength(3);
    expect(s.queue.jobs.waiting).toBe(0);
    // The jobs that finished while the coordinator was down were read by the resume, then removed.
    expect(s.queue.jobs.completed).toBe(0);
    expect(s.queue.jobs.failed).toBe(0);
    expect(s.queue.spend.items).toBeGreaterThan(0);
    expect(s.queue.spend.calls).toBeGreaterThanOrEqual(new Set(reqs.map(callKey)).size);

    await expectLocalResult(cfg, out);
  }, 240_000);

  it("compare runs each seed as a coordinator on the same workers, with the local executor's figures", async () => {
    const args = ["compare", "--optimizers", "random", "--task", "sim:math", "--pool", "sim:llama", "--seeds", "2", "--evals", "260", "--truth-items", "1000", "--json"];
    const a = await runCli(args);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli([...args, "--executor", "queue", "--queue", redis.url]);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toEqual(JSON.parse(a.stdout));
  }, 180_000);
});

describe.skipIf(missing !== undefined)("queue flags", () => {
  it("refuse --executor queue without --queue, a URL that is not Redis, and a Redis that does not answer, with exit 2", async () => {
    const base = ["search", "--evals", "300", "--out", join(dir, "never"), "--json"];
    const none = await runCli([...base, "--executor", "queue"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--executor queue needs --queue/);
    const http = await runCli([...base, "--executor", "queue", "--queue", "http://127.0.0.1:1"]);
    expect(http.code).toBe(2);
    expect(http.stderr).toMatch(/expected a redis:\/\/ or rediss:\/\/ URL/);
    const port = await freePort();
    const down = await runCli(["worker", "--queue", `redis://127.0.0.1:${port}`]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot reach Redis/);
    const lone = await runCli([...base, "--queue", redis.url]);
    expect(lone.code).toBe(2);
    expect(lone.stderr).toMatch(/--queue is used with --executor queue/);
  }, 60_000);
});

describe.skipIf(missing !== undefined)("a Redis restart in the middle of a queued search", () => {
  it("loses no job: the run ends as the local run", async () => {
    const data = join(dir, "redis-data");
    mkdirSync(data);
    const first = await startRedis({ dir: data, appendonly: true });
    const own = await Promise.all([0, 1].map(() => startWorker(first.url)));
    const cfg = seeded(13);
    const out = join(dir, "restarted");
    const coordinator = await coordinatorMidway(cfg, out, first.url);
    await first.stop();
    const second = await startRedis({ port: first.port, dir: data, appendonly: true });
    try {
      expect(await coordinator.exited, coordinator.stderr()).toBe(0);
      await expectLocalResult(cfg, out);
    } finally {
      await Promise.all(own.map((w) => w.stop()));
      await second.stop();
    }
  }, 240_000);
});

describe.skipIf(missing !== undefined)("worker --sandbox", () => {
  it("runs jobs in separate processes with the local result, and those processes end when their worker is killed", async () => {
    const own = await startRedis();
    const worker = await startWorker(own.url, ["--sandbox", "--concurrency", "2"]);
    try {
      const args = ["search", "--task", "sim:math", "--pool", "sim:llama", "--evals", "300", "--seed", "9", "--json"];
      const a = await runCli([...args, "--out", join(dir, "sandbox-local")]);
      expect(a.code, a.stderr).toBe(0);
      const b = await runCli([...args, "--out", join(dir, "sandbox-queue"), "--executor", "queue", "--queue", own.url]);
      expect(b.code, b.stderr).toBe(0);
      expect(readFileSync(join(dir, "sandbox-queue", "result.json"), "utf8")).toBe(readFileSync(join(dir, "sandbox-local", "result.json"), "utf8"));
      const children = childrenOf(worker.proc.pid!);
      expect(children.length).toBeGreaterThan(0);
      worker.proc.kill("SIGKILL");
      const deadline = Date.now() + 10_000;
      while (children.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(children.filter(alive)).toEqual([]);
    } finally {
      await worker.stop();
      await own.stop();
    }
  }, 180_000);
});
