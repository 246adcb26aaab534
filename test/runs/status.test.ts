/**
 * `tts-graph status RUN_DIR` on real run folders written by the built binary: a finished run, the
 * same run cut short as a kill leaves it, one whose lock a live process holds, and a folder that is
 * not a run.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const finished = join(dir, "finished");

interface Status {
  state: string;
  evals: { done: number; total: number };
  best: { hash: string; accuracy: number | null; items: number; validated: boolean } | null;
  pid?: number;
  resume?: string;
  tornBytes?: number;
}

async function status(d: string): Promise<Status> {
  const r = await runCli(["status", d, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Status;
}

/** A copy of the finished run's config and the first `bytes` of its journal, as SIGKILL can leave it. */
function cutCopy(name: string, bytes: number): string {
  const d = join(dir, name);
  mkdirSync(d);
  cpSync(join(finished, "config.json"), join(d, "config.json"));
  writeFileSync(join(d, "events.jsonl"), readFileSync(join(finished, "events.jsonl")).subarray(0, bytes));
  return d;
}

beforeAll(async () => {
  const r = await runCli(["search", "--evals", "300", "--seed", "3", "--out", finished, "--json"]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

describe("tts-graph status", () => {
  it("a finished run: every evaluation done and the validated choice of result.json", async () => {
    const s = await status(finished);
    const result = JSON.parse(readFileSync(join(finished, "result.json"), "utf8")) as { best: { hash: string; validation: { accuracy: number; items: number } } };
    expect(s.state).toBe("finished");
    expect(s.evals).toEqual({ done: 300, total: 300 });
    expect(s.best).toEqual({ hash: result.best.hash, accuracy: result.best.validation.accuracy, items: result.best.validation.items, validated: true });
    expect(s.resume).toBeUndefined();
    const text = await runCli(["status", finished]);
    expect(text.stdout).toContain("finished");
    expect(text.stdout).toContain(`best graph: ${result.best.hash}`);
  });

  it("an interrupted run: the evaluations its journal holds, the leader so far, the cut line, and the resume command", async () => {
    const d = cutCopy("cut", 30_000);
    const s = await status(d);
    expect(s.state).toBe("interrupted");
    expect(s.evals.total).toBe(300);
    expect(s.evals.done).toBeGreaterThan(0);
    expect(s.evals.done).toBeLessThan(300);
    expect(s.best?.validated).toBe(false);
    expect(s.best?.items).toBeGreaterThan(0);
    expect(s.tornBytes).toBeGreaterThan(0);
    expect(s.resume).toBe(`tts-graph search --resume ${d}`);
    // The command it prints does continue the run, to the uninterrupted result.
    const resumed = await runCli(["search", "--resume", d, "--json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(join(d, "result.json"), "utf8")).toBe(readFileSync(join(finished, "result.json"), "utf8"));
    expect((await status(d)).state).toBe("finished");
  }, 120_000);

  it("a run whose lock a live process holds is running; a lock left by a dead process is not", async () => {
    const d = cutCopy("locked", 20_000);
    writeFileSync(join(d, "run.lock"), `${process.pid}\n`);
    const s = await status(d);
    expect(s.state).toBe("running");
    expect(s.pid).toBe(process.pid);
    expect(s.resume).toBeUndefined();
    // No pid this large is alive.
    writeFileSync(join(d, "run.lock"), "4194999\n");
    expect((await status(d)).state).toBe("interrupted");
  });

  it("a folder that is not a run exits 2 naming it", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    const r = await runCli(["status", empty, "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: "not_a_run" } });
    expect(r.stderr).toContain("has no config.json");
  });
});
