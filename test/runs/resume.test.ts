/**
 * Run folders end to end with the built binary: an interrupted run (a cut journal, SIGKILL at many
 * points, SIGTERM, SIGINT) resumes to exactly the uninterrupted run's journal and result, with no
 * evaluation lost or repeated; folders are not reused by accident; resume flags are checked.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../../src/runs/checkpoint.js";
import { acquireLock, readRun, releaseLock } from "../../src/runs/dir.js";
import { readJournal } from "../../src/runs/journal.js";
import type { RecordedEvent } from "../../src/search/events.js";
import { BIN, ROOT, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const configPath = join(dir, "search.json");
// Small and quick, with many iterations (so many events to kill at): sim:math, sim:llama.
writeFileSync(configPath, JSON.stringify({ task: "sim:math", pool: "sim:llama", evals: 300, batch: 3, samples: 2, seed: 5, selection: { candidates: 2, items: 10 } }));

const baseDir = join(dir, "baseline");
let baseEvents = "";
let baseResult = "";
let baseLines = 0;

const read = (d: string, f: string) => readFileSync(join(d, f), "utf8");

/** Every (split, graph, item) evaluation in a journal, in order. */
function evaluations(events: readonly RecordedEvent[]): string[] {
  return events.flatMap((e) => (e.type === "eval.batch" ? e.items.map((o) => `${e.split}/${e.hash}/${o.itemId}`) : []));
}

/** Run the binary and kill it with `signal` once its journal holds at least `lines` lines. */
function runUntil(args: string[], journal: string, lines: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (killed || !existsSync(journal)) return;
      let n = 0;
      const text = readFileSync(journal);
      for (const b of text) if (b === 10) n++;
      if (n >= lines) {
        killed = true;
        child.kill(signal);
      }
    }, 1);
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, sig) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal: sig, stdout, stderr, killed });
    });
  });
}

beforeAll(async () => {
  const r = await runCli(["search", "--config", configPath, "--out", baseDir, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  baseEvents = read(baseDir, "events.jsonl");
  baseResult = read(baseDir, "result.json");
  baseLines = baseEvents.split("\n").length - 1;
  expect(baseLines).toBeGreaterThan(100);
  const evals = evaluations(readJournal(join(baseDir, "events.jsonl")).events);
  expect(new Set(evals).size).toBe(evals.length);
  expect(evals.length).toBe(300);
}, 120_000);

describe("resuming a run", () => {
  it("from a journal cut mid-line: the journal and result.json equal the uninterrupted run's, and it says how much it replayed", async () => {
    const d = join(dir, "cut");
    mkdirSync(d);
    cpSync(join(baseDir, "config.json"), join(d, "config.json"));
    const lines = baseEvents.split("\n");
    const keep = Math.floor(baseLines / 2);
    writeFileSync(join(d, "events.jsonl"), lines.slice(0, keep).join("\n") + "\n" + lines[keep]!.slice(0, 40));
    const replayable = evaluations(readJournal(join(d, "events.jsonl")).events).length;
    expect(replayable).toBeGreaterThan(0);
    const before = readRun(d);
    expect(before).toMatchObject({ state: "unfinished", result: undefined, checkpoint: undefined });
    expect(before.journal.torn).toEqual({ line: keep + 1, bytes: 40 });
    expect(before.config.seed).toBe(5);

    const r = await runCli(["search", "--resume", d, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`its last line \\(line ${keep + 1}, 40 bytes\\) was cut short`));
    expect(r.stderr).toContain(`replayed ${replayable} evaluations`);
    const doc = JSON.parse(r.stdout);
    expect(doc.resumed).toEqual({ replayedEvaluations: replayable, replayedAgentCalls: 0, newEvaluations: 300 - replayable, divergedAt: null });
    expect(read(d, "events.jsonl")).toBe(baseEvents);
    expect(read(d, "result.json")).toBe(baseResult);
    expect(read(d, "best.graph.json")).toBe(read(baseDir, "best.graph.json"));
    expect(readCheckpoint(join(d, "checkpoint.json")).state).toBe("finished");
    expect(existsSync(join(d, "run.lock"))).toBe(false);
    const after = readRun(d);
    expect(after.state).toBe("finished");
    expect(after.result?.best.hash).toBe(JSON.parse(baseResult).best.hash);
    expect(after.bestGraph?.nodes.length).toBeGreaterThan(0);
    expect(after.journal.events).toHaveLength(baseLines);
  }, 120_000);

  it("after SIGKILL at 20+ points (each resume killed again later) ends with the uninterrupted journal and result, no evaluation lost or repeated", async () => {
    const d = join(dir, "killed");
    const journal = join(d, "events.jsonl");
    const needed = 20;
    const killedAt: number[] = [];
    let target = Math.max(2, Math.floor(baseLines / (needed + 4)));
    let args = ["search", "--config", configPath, "--out", d, "--json"];
    for (let attempt = 0; attempt < needed + 10 && killedAt.length < needed + 2; attempt++) {
      const r = await runUntil(args, journal, target, "SIGKILL");
      if (!r.killed) {
        expect(r.code, r.stderr).toBe(0);
        break;
      }
      expect(r.signal).toBe("SIGKILL");
      // Whatever instant the kill hit, the folder reads back: complete lines, seq without gaps.
      const j = readJournal(journal);
      const evals = evaluations(j.events);
      expect(new Set(evals).size).toBe(evals.length);
      expect(baseEvents.startsWith(j.lines.map((l) => l + "\n").join(""))).toBe(true);
      killedAt.push(j.events.length);
      const left = needed + 2 - killedAt.length;
      target = j.events.length + Math.max(1, Math.floor((baseLines - j.events.length) / (left + 2)));
      args = ["search", "--resume", d, "--json"];
    }
    expect(new Set(killedAt).size).toBeGreaterThanOrEqual(needed);
    const done = await runCli(["search", "--resume", d, "--json"]);
    expect(done.code, done.stderr).toBe(0);
    expect(read(d, "events.jsonl")).toBe(baseEvents);
    expect(read(d, "result.json")).toBe(baseResult);
    const evals = evaluations(readJournal(journal).events);
    expect(new Set(evals).size).toBe(300);
    expect(evals).toHaveLength(300);
  }, 300_000);

  for (const [signal, code] of [
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const) {
    it(`${signal} finishes the write, saves a checkpoint, exits ${code} and says how to resume; the resume equals the uninterrupted run`, async () => {
      const d = join(dir, signal.toLowerCase());
      const r = await runUntil(["search", "--config", configPath, "--out", d, "--json"], join(d, "events.jsonl"), Math.floor(baseLines / 2), signal);
      expect(r.killed).toBe(true);
      expect(r.code).toBe(code);
      expect(r.stderr).toContain(`stopped by ${signal}`);
      expect(r.stderr).toContain(`tts-graph search --resume ${d}`);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: "interrupted", signal, resume: `tts-graph search --resume ${d}` });
      const j = readJournal(join(d, "events.jsonl"));
      expect(j.torn).toBeUndefined();
      const cp = readCheckpoint(join(d, "checkpoint.json"));
      expect(cp).toMatchObject({ state: "stopped", stoppedBy: signal, events: j.events.length, evalsTotal: 300 });
      expect(cp.evals).toBe(evaluations(j.events).length);
      expect(existsSync(join(d, "result.json"))).toBe(false);
      expect(existsSync(join(d, "run.lock"))).toBe(false);

      const again = await runCli(["search", "--resume", d]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`replayed ${cp.evals} evaluations`);
      expect(read(d, "events.jsonl")).toBe(baseEvents);
      expect(read(d, "result.json")).toBe(baseResult);
    }, 120_000);
  }
});

describe("run folders are not reused by accident", () => {
  it("refuses a folder with a finished run, an unfinished one (pointing to --resume), another config, or other files; --force starts over", async () => {
    const finished = await runCli(["search", "--config", configPath, "--out", baseDir]);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(/holds a finished run of this config/);

    const d = join(dir, "unfinished");
    mkdirSync(d);
    cpSync(join(baseDir, "config.json"), join(d, "config.json"));
    writeFileSync(join(d, "events.jsonl"), baseEvents.split("\n").slice(0, 10).join("\n") + "\n");
    const unfinished = await runCli(["search", "--config", configPath, "--out", d]);
    expect(unfinished.code).toBe(2);
    expect(unfinished.stderr).toContain(`continue it with \`tts-graph search --resume ${d}\``);

    const other = await runCli(["search", "--config", configPath, "--budget", "30", "--out", d]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/holds a run of another config \(budget is 18 in the run, 30 now\)/);

    const foreign = join(dir, "foreign");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "notes.txt"), "mine");
    const f = await runCli(["search", "--config", configPath, "--out", foreign]);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/is not empty and is not a run folder \(it holds notes\.txt\)/);

    // Forced: a new run of another config replaces the unfinished one; other files stay.
    const forced = await runCli(["search", "--config", configPath, "--evals", "60", "--out", d, "--force", "--json"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(read(d, "config.json")).evals).toBe(60);
    expect(evaluations(readJournal(join(d, "events.jsonl")).events)).toHaveLength(60);
    const forcedForeign = await runCli(["search", "--config", configPath, "--evals", "60", "--out", foreign, "--force"]);
    expect(forcedForeign.code).toBe(0);
    expect(read(foreign, "notes.txt")).toBe("mine");
    expect(existsSync(join(foreign, "result.json"))).toBe(true);
  }, 120_000);

  it("--resume refuses flags that change the result, names them, and accepts matching ones and --no-cache", async () => {
    const bad = await runCli(["search", "--resume", baseDir, "--seed", "6", "--evals", "400"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/evals is 300 in the run, 400 now; seed is 5 in the run, 6 now/);
    expect(bad.stderr).toMatch(/only --cache, --no-cache, --concurrency, --data, --executor, --queue and --json may differ/);
    const force = await runCli(["search", "--resume", baseDir, "--force"]);
    expect(force.code).toBe(2);
    expect(force.stderr).toMatch(/--force cannot be used with --resume/);
    // A run folder locked by a live process (this one) is not written by a second.
    const locked = join(dir, "locked");
    mkdirSync(locked);
    cpSync(join(baseDir, "config.json"), join(locked, "config.json"));
    acquireLock(locked);
    const busy = await runCli(["search", "--resume", locked]);
    releaseLock(locked);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(`is being written by another tts-graph process (pid ${process.pid})`);
    const missing = await runCli(["search", "--resume", join(dir, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope does not exist/);
    // A finished run resumes by replaying everything: nothing runs, the result is unchanged.
    const ok = await runCli(["search", "--resume", baseDir, "--seed", "5", "--no-cache", "--concurrency", "2", "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).resumed).toMatchObject({ replayedEvaluations: 300, newEvaluations: 0 });
    expect(read(baseDir, "events.jsonl")).toBe(baseEvents);
    expect(read(baseDir, "result.json")).toBe(baseResult);
  }, 120_000);

  it("a run started with relative file paths resumes, and reports, from another working directory", async () => {
    const home = join(dir, "relative");
    mkdirSync(join(home, "profiles"), { recursive: true });
    cpSync(join(ROOT, "profiles", "sim", "math.json"), join(home, "profiles", "mine.json"));
    const args = ["--task", "sim:profiles/mine.json", "--pool", "sim:profiles/mine.json", "--evals", "300", "--seed", "2", "--out", "run"];
    const first = await runCli(["search", ...args, "--json"], { cwd: home });
    expect(first.code, first.stderr).toBe(0);
    const config = JSON.parse(read(join(home, "run"), "config.json")) as { task: string; pool: string };
    expect(config.task).toBe(`sim:${join(home, "profiles", "mine.json")}`);
    expect(config.pool).toBe(config.task);
    const result = read(join(home, "run"), "result.json");
    // From elsewhere, where profiles/mine.json does not exist.
    const again = await runCli(["search", "--resume", join(home, "run"), "--json"], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(read(join(home, "run"), "result.json")).toBe(result);
    // The same relative flags, given again from the run's own folder, still match the recorded config.
    const same = await runCli(["search", "--resume", "run", "--task", "sim:profiles/mine.json", "--json"], { cwd: home });
    expect(same.code, same.stderr).toBe(0);
    const report = await runCli(["report", join(home, "run"), "--json"], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
  }, 120_000);

  it("a config that cannot run leaves no run folder behind", async () => {
    const d = join(dir, "too-small");
    const r = await runCli(["search", "--config", configPath, "--evals", "10", "--out", d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--evals 10 leaves nothing to search with/);
    expect(existsSync(d)).toBe(false);
  });
});
