/** Real run directories for report tests: made by the built `tts-graph search`, and cut short like a killed run. */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";

/** Run `tts-graph search --out dir` (simulator, seconds) and return the folder. */
export async function searchRun(dir: string, extra: string[] = []): Promise<string> {
  // Seed 1: the default search chooses a collaboration there, so the break-even has something to estimate.
  const r = await runCli(["search", "--out", dir, "--no-cache", "--seed", "1", ...extra]);
  if (r.code !== 0) throw new Error(`search failed (${r.code}): ${r.stderr}`);
  return dir;
}

/**
 * A copy of a finished run as a run killed mid-search leaves it: config.json and the first
 * `fraction` of events.jsonl, cut in the middle of a line, and no result.json or best.graph.json.
 * Returns the complete lines kept.
 */
export function cutRun(from: string, to: string, fraction: number): string[] {
  mkdirSync(to, { recursive: true });
  copyFileSync(join(from, "config.json"), join(to, "config.json"));
  const lines = readFileSync(join(from, "events.jsonl"), "utf8").split("\n").filter((l) => l !== "");
  const keep = lines.slice(0, Math.max(1, Math.floor(lines.length * fraction)));
  const torn = lines[keep.length] ?? "";
  writeFileSync(join(to, "events.jsonl"), keep.join("\n") + "\n" + torn.slice(0, Math.floor(torn.length / 2)));
  return keep;
}

/** The events of a log, parsed plainly (the tests' own reading, independent of the report's). */
export function rawEvents(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, "events.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
