/**
 * Run folders under hostile conditions, through the built CLI: an --out that cannot be created, a
 * disk that fills up, a folder made read-only midway, a read-only journal at resume, endpoints that
 * all fail and then recover, leftovers of killed atomic writes, and a signal after the search is over.
 * Each ends with one clear message naming the file and the cause, the right exit code, nothing lost,
 * and a folder that resumes to exactly the uninterrupted run.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runCli, type CliResult } from "../helpers/cli.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { answer } from "./arith-world.js";

const dir = tempDir("tts-graph-run-folders-");
// Folders here are written by another user when the tests run as root, so that permissions bind.
chmodSync(dir, 0o777);
const root = process.getuid?.() === 0;
/** As root, the CLI runs as nobody, for whom a read-only mode is read-only. */
const user = root ? { uid: 65534, gid: 65534 } : {};
/** Whether that user can run the CLI here (read the checkout, write the test folder). */
function userCanRun(): boolean {
  if (!root) return true;
  try {
    const probe = `const fs = require("fs"); fs.accessSync(${JSON.stringify(BIN)}, fs.constants.R_OK); fs.accessSync(${JSON.stringify(dir)}, fs.constants.W_OK);`;
    execFileSync(process.execPath, ["-e", probe], { stdio: "ignore", ...user });
    return true;
  } catch {
    return false;
  }
}
const permissionsBind = userCanRun();
if (!permissionsBind) console.log("skipping the read-only folder tests: as root they run the CLI as nobody, who cannot read this checkout");
const env = { HOME: dir };
const SEARCH = ["search", "--task", "sim:math", "--evals", "400", "--seed", "5"];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function noStack(r: CliResult): void {
  expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

const mounts: string[] = [];
function mount(args: string[]): boolean {
  try {
    execFileSync("mount", args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
function canMount(): boolean {
  if (!root) return false;
  const probe = join(dir, "probe");
  mkdirSync(probe);
  if (!mount(["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe])) return false;
  execFileSync("umount", [probe]);
  return true;
}
const mountable = canMount();
if (!mountable) console.log("skipping the full-disk test: it mounts a small tmpfs, which needs root and mount (CI runs as root)");
afterAll(() => {
  for (const m of mounts.reverse()) execFileSync("umount", ["-l", m]);
});

let clean: { events: Buffer; result: Buffer };
beforeAll(async () => {
  const out = join(dir, "clean");
  const r = await runCli([...SEARCH, "--out", out], { env });
  expect(r.code, r.stderr).toBe(0);
  clean = { events: readFileSync(join(out, "events.jsonl")), result: readFileSync(join(out, "result.json")) };
}, 120_000);

/** A folder the run's user may write; resumed, it must end as the uninterrupted run. */
function userDir(name: string): string {
  const d = join(dir, name);
  mkdirSync(d);
  chmodSync(d, 0o777);
  return d;
}
async function resumesToClean(out: string): Promise<void> {
  const r = await runCli(["search", "--resume", out], { env, ...user });
  expect(r.code, r.stderr).toBe(0);
  expect(readFileSync(join(out, "events.jsonl")).equals(clean.events)).toBe(true);
  expect(readFileSync(join(out, "result.json")).equals(clean.result)).toBe(true);
}
/** A search into `out` killed (SIGKILL) once its journal passes 20 kB: an interrupted run folder. */
async function killedMidway(out: string): Promise<void> {
  const journal = join(out, "events.jsonl");
  let killed = false;
  await runCli([...SEARCH, "--out", out], {
    env,
    ...user,
    whilst: (child) => {
      if (!killed && existsSync(journal) && statSync(journal).size > 20_000) {
        killed = true;
        child.kill("SIGKILL");
      }
    },
  });
  expect(killed).toBe(true);
}
function failedWrite(r: CliResult, file: RegExp, cause: RegExp, out: string): void {
  expect(r.code, r.stderr).toBe(1);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(new RegExp(`^error: cannot write ${escape(out)}/${file.source}: ${cause.source}`));
  expect(r.stderr).toContain(`tts-graph search --resume ${out}`);
  noStack(r);
}

describe("output folders", () => {
  it("an --out that cannot be created (under /proc) fails at once with exit 2", async () => {
    const started = Date.now();
    const r = await runCli([...SEARCH, "--out", "/proc/nope/run"], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error: --out: cannot write the run to \/proc\/nope\/run: ENOENT/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe("writes that fail", () => {
  it.skipIf(!mountable || !permissionsBind)("a full disk: one message naming the file and ENOSPC, exit 1, and the folder resumes once there is space", async () => {
    const mnt = join(dir, "small-disk");
    mkdirSync(mnt);
    expect(mount(["-t", "tmpfs", "-o", "size=48k,mode=0777", "tmpfs", mnt])).toBe(true);
    mounts.push(mnt);
    const out = join(mnt, "run");
    const r = await runCli([...SEARCH, "--out", out], { env, ...user });
    failedWrite(r, /(events\.jsonl|checkpoint\.json)/, /no space left on the device \(ENOSPC\)/, out);
    expect(mount(["-o", "remount,size=8m", mnt])).toBe(true);
    await resumesToClean(out);
  });

  it.skipIf(!permissionsBind)("a folder made read-only midway: one message naming the file and the cause, exit 1, and it resumes once writable", async () => {
    const out = join(userDir("ro-midway"), "run");
    const journal = join(out, "events.jsonl");
    let flipped = false;
    const r = await runCli([...SEARCH, "--out", out], {
      env,
      ...user,
      whilst: () => {
        if (!flipped && existsSync(journal) && statSync(journal).size > 20_000) {
          flipped = true;
          chmodSync(out, 0o555);
        }
      },
    });
    expect(flipped).toBe(true);
    failedWrite(r, /checkpoint\.json/, /permission denied \(EACCES\)/, out);
    chmodSync(out, 0o755);
    await resumesToClean(out);
  });

  it.skipIf(!permissionsBind)("a read-only journal at resume: one message naming it, exit 1, the journal untouched, and it resumes once writable", async () => {
    const out = join(userDir("ro-journal"), "run");
    const journal = join(out, "events.jsonl");
    await killedMidway(out);
    chmodSync(journal, 0o444);
    const before = readFileSync(journal);
    const r = await runCli(["search", "--resume", out], { env, ...user });
    failedWrite(r, /events\.jsonl/, /permission denied \(EACCES\)/, out);
    expect(readFileSync(journal).equals(before)).toBe(true);
    chmodSync(journal, 0o644);
    await resumesToClean(out);
  });
});

describe("a resume", () => {
  it.skipIf(!permissionsBind)("removes what killed atomic writes left behind, and nothing else", async () => {
    const out = join(userDir("leftovers"), "run");
    await killedMidway(out);
    const left = [".checkpoint.json.4242.1a2b3c4d.tmp", ".result.json.4243.deadbeef.tmp", ".best.graph.json.17.00ff00ff.tmp"];
    for (const name of left) writeFileSync(join(out, name), "{");
    writeFileSync(join(out, ".notes.txt.1.ab.tmp"), "mine");
    await resumesToClean(out);
    const after = readdirSync(out);
    for (const name of left) expect(after).not.toContain(name);
    expect(after).toContain(".notes.txt.1.ab.tmp");
  });
});

/** A JSON or JSONL file's values without measured times (nor the Pareto front, which has latency as an axis). */
function untimed(path: string): unknown[] {
  const drop = (k: string, v: unknown) => (/latency|Ms$|^pareto$/i.test(k) ? undefined : v);
  return readFileSync(path, "utf8")
    .split(path.endsWith(".jsonl") ? "\n" : /(?!)/)
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l, drop) as unknown);
}

describe("endpoints that all fail", () => {
  let server: TestServer;
  let down = true;
  beforeAll(async () => {
    server = await startOpenAIServer({ models: ["weak", "mid"] });
    server.setHandler((req) => (down ? { kind: "status", status: 503, message: "maintenance" } : answer(req)));
  });
  afterAll(() => server.close());

  it("exit 1 (not a user error) with the resume command; the resume asks again and ends as a run that never failed", async () => {
    const pool = join(dir, "served-pool.json");
    const endpoint = (model: string) => ({ kind: "openai", baseURL: server.baseURL, model, maxRetries: 0, timeoutMs: 5000 });
    writeFileSync(
      pool,
      JSON.stringify({
        version: 1,
        models: [
          { id: "weak", family: "t", params: 1e9, layers: 16, hidden: 2048, endpoint: endpoint("weak") },
          { id: "mid", family: "t", params: 3e9, layers: 28, hidden: 3072, endpoint: endpoint("mid") },
        ],
      }),
    );
    const args = ["search", "--task", "arith", "--pool", pool, "--evals", "300", "--no-cache"];
    const out = join(dir, "all-down");
    const r = await runCli([...args, "--out", out], { env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: every evaluated graph failed .*HTTP 503/);
    expect(r.stderr).toContain(`tts-graph search --resume ${out}`);
    noStack(r);

    down = false;
    const resumed = await runCli(["search", "--resume", out], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const fresh = join(dir, "never-down");
    expect((await runCli([...args, "--out", fresh], { env })).code).toBe(0);
    // Served calls take real time: the runs agree in everything but the measured latencies.
    expect(untimed(join(out, "events.jsonl"))).toEqual(untimed(join(fresh, "events.jsonl")));
    expect(untimed(join(out, "result.json"))).toEqual(untimed(join(fresh, "result.json")));
  });
});

describe("a signal after the search finished", () => {
  it("while the report is written: the process says so, exits with the signal's code, and the run stays finished", async () => {
    // The report takes a moment after result.json appears; the signal lands in that window.
    for (let attempt = 0; attempt < 5; attempt++) {
      const out = join(dir, `late-signal-${attempt}`);
      let sent = false;
      const r = await runCli([...SEARCH, "--out", out], {
        env,
        whilst: (child) => {
          if (!sent && existsSync(join(out, "result.json"))) {
            sent = true;
            child.kill("SIGTERM");
          }
        },
      });
      if (r.code === 0) continue; // finished before the signal arrived: try again
      expect(r.signal).toBeNull();
      expect(r.code).toBe(143);
      expect(r.stderr).toContain(`stopped by SIGTERM after the search finished; its result is saved in ${join(out, "result.json")}`);
      expect(readFileSync(join(out, "result.json")).equals(clean.result)).toBe(true);
      expect(JSON.parse(readFileSync(join(out, "checkpoint.json"), "utf8"))).toMatchObject({ state: "finished" });
      return;
    }
    throw new Error("the search always finished before the signal arrived");
  });
});
