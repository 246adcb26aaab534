/**
 * The run directory: one folder per search run.
 *
 *     config.json       the resolved search config (written first, atomically)
 *     events.jsonl      the append-only event journal (the truth; a resume replays it)
 *     checkpoint.json   where the run stood at its last iteration boundary
 *     best.graph.json   the chosen graph          (at the end)
 *     result.json       the search result         (last: its presence means finished)
 *     run.lock          the pid of the process writing the run, while it runs
 *
 * A folder is reused only as the same run (resume), or when the caller forces it.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.js";
import { parseGraph, type Graph } from "../graph/index.js";
import type { SearchResult } from "../search/harness.js";
import { parseSearchConfig, type SearchConfig } from "../search/config.js";
import { makeDirs, parseWith, readStructured, writeFailure, writeJsonAtomic } from "../util/files.js";
import { readCheckpoint, type Checkpoint } from "./checkpoint.js";
import { readJournal, type JournalRead } from "./journal.js";

export const RUN_FILES = {
  config: "config.json",
  events: "events.jsonl",
  checkpoint: "checkpoint.json",
  best: "best.graph.json",
  result: "result.json",
  report: "report.html",
  reportSummary: "report.md",
  lock: "run.lock",
} as const;

/** Config fields that do not change a run's result: they may differ between a run and its resume. */
export const RESUME_FREE_FIELDS: readonly (keyof SearchConfig)[] = ["cache", "concurrency", "data", "agentApiKeyEnv"];

/** Key-sorted JSON, so two configs compare equal whatever order their fields were written in. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

export interface ConfigDifference {
  field: string;
  run: unknown;
  given: unknown;
}

/** Fields (one level into nested objects) where two configs would give different results. */
export function configDifferences(run: SearchConfig, given: SearchConfig): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  const keys = new Set([...Object.keys(run), ...Object.keys(given)]) as Set<keyof SearchConfig>;
  for (const k of [...keys].sort()) {
    if (RESUME_FREE_FIELDS.includes(k) || k === "version") continue;
    const a = run[k];
    const b = given[k];
    if (stable(a) === stable(b)) continue;
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a)) {
      const inner = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const j of [...inner].sort()) {
        const x = (a as Record<string, unknown>)[j];
        const y = (b as Record<string, unknown>)[j];
        if (stable(x) !== stable(y)) out.push({ field: `${k}.${j}`, run: x, given: y });
      }
    } else out.push({ field: k, run: a, given: b });
  }
  return out;
}

export function describeDifferences(diffs: readonly ConfigDifference[]): string {
  const show = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));
  return diffs.map((d) => `${d.field} is ${show(d.run)} in the run, ${show(d.given)} now`).join("; ");
}

export type RunDirState =
  | { kind: "absent" }
  | { kind: "empty" }
  /** A run directory (config.json present); `config` is undefined when it does not parse. */
  | { kind: "run"; config: SearchConfig | undefined; problem?: string | undefined; finished: boolean; events: boolean }
  | { kind: "other"; entries: string[] };

/** Temporary files of interrupted atomic writes do not make a folder non-empty. */
const isLeftover = (name: string) => /^\..*\.tmp$/.test(name);
const RUN_FILE_NAMES = new Set<string>(Object.values(RUN_FILES));
/** A temporary file of an atomic write of a run file (`.checkpoint.json.PID.HEX.tmp`). */
const isRunLeftover = (name: string) => {
  const m = /^\.(.+)\.\d+\.[0-9a-f]+\.tmp$/.exec(name);
  return m !== null && RUN_FILE_NAMES.has(m[1]!);
};

/** Remove what writers killed midway left of their atomic writes; only the writer holding the lock may. */
function removeLeftovers(dir: string): void {
  for (const name of readdirSync(dir)) if (isRunLeftover(name)) rmSync(join(dir, name), { force: true });
}

/** What a folder holds, as far as starting a run in it is concerned. */
export function inspectRunDir(dir: string): RunDirState {
  if (!existsSync(dir)) return { kind: "absent" };
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UserError(`${dir} is a file, not a folder: choose another --out`, { code: "out_not_a_folder", source: "--out" });
    entries = readdirSync(dir).filter((n) => !isLeftover(n));
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read the output folder ${dir}: ${(err as Error).message}`, { code: "out_unreadable", source: "--out" });
  }
  if (entries.length === 0) return { kind: "empty" };
  if (!entries.includes(RUN_FILES.config)) return { kind: "other", entries };
  let config: SearchConfig | undefined;
  let problem: string | undefined;
  try {
    config = loadRunConfig(dir);
  } catch (err) {
    problem = err instanceof UserError ? err.format() : (err as Error).message;
  }
  return { kind: "run", config, problem, finished: entries.includes(RUN_FILES.result), events: entries.includes(RUN_FILES.events) };
}

/** A run's config.json. */
export function loadRunConfig(dir: string): SearchConfig {
  const path = join(dir, RUN_FILES.config);
  return parseSearchConfig(readStructured(path, "run config"), path);
}

export interface CreateRunOptions {
  /** Replace a run (or write into a non-empty folder) instead of refusing. */
  force?: boolean | undefined;
}

/**
 * Make `dir` the folder of a new run of `config` and write its config.json. Refuses a folder that
 * holds anything else unless `force`; with `force`, a run's own files are removed first and other
 * files are left alone. Returns whether the folder was made here (so a run that fails before its
 * first event can remove it again).
 */
export function createRunDir(dir: string, config: SearchConfig, options: CreateRunOptions = {}): { created: boolean } {
  const state = inspectRunDir(dir);
  const force = options.force === true;
  const hint = "choose another --out, or pass --force to replace it";
  if (state.kind === "run" && !force) {
    const resume = `tts-graph search --resume ${dir}`;
    if (!state.config) throw new UserError(`${dir} holds a run whose config cannot be read (${state.problem ?? "unknown problem"}): ${hint}`, { code: "out_in_use", source: "--out" });
    const diffs = configDifferences(state.config, config);
    if (diffs.length > 0) throw new UserError(`${dir} holds a run of another config (${describeDifferences(diffs)}): ${hint}`, { code: "out_in_use", source: "--out" });
    if (state.finished) throw new UserError(`${dir} holds a finished run of this config (see its result.json): ${hint}`, { code: "out_in_use", source: "--out" });
    throw new UserError(`${dir} holds an unfinished run of this config: continue it with \`${resume}\`, or pass --force to start it over`, { code: "out_resumable", source: "--out" });
  }
  if (state.kind === "other" && !force) {
    const shown = state.entries.slice(0, 5).join(", ") + (state.entries.length > 5 ? ", ..." : "");
    throw new UserError(`${dir} is not empty and is not a run folder (it holds ${shown}): choose another --out or an empty folder, or pass --force to write the run there anyway`, { code: "out_in_use", source: "--out" });
  }
  try {
    makeDirs(dir);
    acquireLock(dir);
    if (state.kind === "run") removeRunFiles(dir, { keepLock: true });
    writeJsonAtomic(join(dir, RUN_FILES.config), config);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot write the run to ${dir}: ${(err as Error).message}`, { code: "out_unwritable", source: "--out" });
  }
  return { created: state.kind === "absent" || state.kind === "empty" };
}

/** Remove the files a run writes (not the folder, not anything else in it). */
export function removeRunFiles(dir: string, options: { keepLock?: boolean } = {}): void {
  for (const [key, name] of Object.entries(RUN_FILES)) {
    if (key === "lock" && options.keepLock) continue;
    rmSync(join(dir, name), { force: true });
  }
}

/** Remove a run folder made by {@link createRunDir} that never got an event. */
export function discardNewRun(dir: string, created: boolean): void {
  removeRunFiles(dir);
  if (!created) return;
  try {
    if (readdirSync(dir).filter((n) => !isLeftover(n)).length === 0) rmSync(dir, { recursive: true, force: true });
  } catch {
    // Leaving an empty folder behind is harmless.
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Mark the run as being written by this process. A lock left by a process that is gone (killed) is
 * taken over; one held by a live process is refused, since two writers would interleave the journal.
 */
export function acquireLock(dir: string): void {
  const path = join(dir, RUN_FILES.lock);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      removeLeftovers(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw writeFailure(path, err);
    }
    const pid = lockHolder(dir);
    if (pid !== undefined && pid !== process.pid) {
      throw new UserError(`${dir} is being written by another tts-graph process (pid ${pid}); wait for it to finish or stop it first`, { code: "run_locked", source: dir });
    }
    try {
      rmSync(path, { force: true });
    } catch (err) {
      throw writeFailure(path, err);
    }
  }
  throw new UserError(`cannot lock the run folder ${dir}: another process keeps taking it`, { code: "run_locked", source: dir });
}

/** The pid of the live process that holds the run's lock; undefined when none does (no lock, or a dead holder's). */
export function lockHolder(dir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, RUN_FILES.lock), "utf8");
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
}

export function releaseLock(dir: string): void {
  const path = join(dir, RUN_FILES.lock);
  try {
    if (Number(readFileSync(path, "utf8").trim()) === process.pid) rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
}

/** Enough of result.json to know it is one; the rest is trusted as this program wrote it. */
const ResultHeadSchema = z.looseObject({ version: z.literal(1), optimizer: z.string(), seed: z.number(), best: z.looseObject({ hash: z.string() }) });

export interface RunRead {
  dir: string;
  config: SearchConfig;
  journal: JournalRead;
  checkpoint: Checkpoint | undefined;
  result: SearchResult | undefined;
  bestGraph: Graph | undefined;
  /** finished: result.json present; otherwise the run was interrupted (or is still running). */
  state: "finished" | "unfinished";
}

/** Read a run folder: config, journal (a torn last line is dropped), checkpoint and result when present. */
export function readRun(dir: string): RunRead {
  if (!existsSync(join(dir, RUN_FILES.config))) {
    const what = existsSync(dir) ? "has no config.json, so it is not a tts-graph run folder" : "does not exist";
    throw new UserError(`${dir} ${what}`, { code: "not_a_run", source: dir });
  }
  const config = loadRunConfig(dir);
  const journal = readJournal(join(dir, RUN_FILES.events));
  const cpPath = join(dir, RUN_FILES.checkpoint);
  const checkpoint = existsSync(cpPath) ? readCheckpoint(cpPath) : undefined;
  const resultPath = join(dir, RUN_FILES.result);
  const result = existsSync(resultPath) ? (parseWith(ResultHeadSchema, readStructured(resultPath, "run result"), resultPath, "run result") as unknown as SearchResult) : undefined;
  const bestPath = join(dir, RUN_FILES.best);
  const bestGraph = existsSync(bestPath) ? parseGraph(readStructured(bestPath, "graph"), { source: bestPath }) : undefined;
  return { dir, config, journal, checkpoint, result, bestGraph, state: result ? "finished" : "unfinished" };
}
