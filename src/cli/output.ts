/**
 * Output discipline for commands: with `--json`, stdout carries exactly one JSON document and
 * everything else goes to stderr; without it, human-readable text goes to stdout.
 */

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal (live progress lines are allowed). */
  isTTY: boolean;
}

export const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
};

/** Print a command's result: one JSON document under `--json`, else the text rendering. */
export function emit(io: Io, json: boolean | undefined, value: unknown, text: () => string): void {
  if (json) io.stdout(JSON.stringify(value, jsonReplacer, 2) + "\n");
  else io.stdout(text().replace(/\n?$/, "\n"));
}

/** JSON.stringify replacer: non-finite numbers become null, Maps become objects. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

/** A simple aligned text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join("  ").trimEnd();
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}
