/** Temporary folders that are removed after the test file, and files written into them. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";

export function tempDir(prefix = "tts-graph-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Write one line per row, each ending in a newline: strings as they are (so a test can write broken
 * lines), anything else as JSON. Creates the file's folder; returns the path.
 */
export function writeJsonl(path: string, rows: readonly unknown[]): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n");
  return path;
}
