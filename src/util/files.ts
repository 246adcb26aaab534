/** File input and output with user-facing errors and atomic writes. */
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, basename, join, resolve } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { TtsGraphError, UserError, type Issue } from "../errors.js";

/** Largest input file read: datasets and other line files. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;
/** Largest structured file read (config, pool, graph, profile, checkpoint, result). */
export const MAX_STRUCTURED_BYTES = 32 * 1024 * 1024;
/** Most YAML aliases resolved in one document, so an alias bomb stops at a fixed cost. */
const MAX_YAML_ALIASES = 100;

const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;

/**
 * Read a text file of at most `maxBytes`; a missing, unreadable or oversized file is a user error
 * naming it. The size is checked on the open file before anything is read.
 */
export function readText(path: string, what = "file", maxBytes = MAX_INPUT_BYTES): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const { size } = fstatSync(fd);
    if (size > maxBytes) {
      throw new UserError(`${what} ${path} is ${mib(size)}, larger than the ${mib(maxBytes)} a ${what} may be`, { source: path, code: "file_too_large" });
    }
    return readFileSync(fd, "utf8");
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? String(err)})`;
    throw new UserError(`${what} ${path} ${why}`, { source: path, code: "file_unreadable" });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Line and column (1-based) of a character offset. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** Parse JSON text; a syntax error names the file, line and column. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = "";
    if (pos) {
      const { line, column } = lineCol(text, Number(pos[1]));
      where = ` at line ${line}, column ${column}`;
    } else {
      const lc = /line (\d+) column (\d+)/.exec(msg);
      if (lc) where = ` at line ${lc[1]}, column ${lc[2]}`;
    }
    throw new UserError(`${source}: not valid JSON${where}: ${msg.replace(/^JSON\.parse: /, "")}`, {
      source,
      code: "json_syntax",
      issues: [{ code: "json_syntax", path: where.trim(), message: msg }],
    });
  }
}

/** Parse YAML (a superset of JSON) text; a syntax error names the file and line. */
export function parseYamlText(text: string, source: string): unknown {
  try {
    return parseYaml(text, { maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const lp = err.linePos?.[0];
      const where = lp ? ` at line ${lp.line}, column ${lp.col}` : "";
      throw new UserError(`${source}: not valid YAML${where}: ${err.message.split("\n")[0]}`, { source, code: "yaml_syntax" });
    }
    // The yaml package throws a plain ReferenceError when aliases would expand past the limit.
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new UserError(`${source}: not accepted: its YAML aliases expand past ${MAX_YAML_ALIASES} (an alias bomb); write the values out`, {
        source,
        code: "yaml_aliases",
      });
    }
    throw err;
  }
}

/**
 * Read a JSON file, or YAML when the name ends in .yaml or .yml. An empty document (nothing, or
 * only comments) is refused: it is a file written by mistake, not a file of defaults.
 */
export function readStructured(path: string, what = "file"): unknown {
  const text = readText(path, what, MAX_STRUCTURED_BYTES);
  if (text.trim() === "") throw new UserError(`${what} ${path} is empty`, { source: path, code: "file_empty" });
  const data = /\.ya?ml$/i.test(path) ? parseYamlText(text, path) : parseJsonText(text, path);
  if (data === null || data === undefined) throw new UserError(`${what} ${path} holds no value (only comments or null)`, { source: path, code: "file_empty" });
  return data;
}

/** Turn zod issues into our issues, with paths like `nodes[3].model`. */
export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ code: i.code, path: formatPath(i.path as PropertyKey[]), message: i.message }));
}

/** `["nodes", 3, "model"]` -> `nodes[3].model`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** Validate parsed data with a zod schema; every issue is reported, each with its field path. */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, source: string, what: string): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issues = zodIssues(r.error);
  throw new UserError(`${source}: invalid ${what} (${issues.length} problem${issues.length === 1 ? "" : "s"})`, {
    source,
    code: "invalid_" + what.replace(/\s+/g, "_"),
    issues,
  });
}

const WRITE_CAUSES: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is used up",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EIO: "an input/output error",
  EFBIG: "the file is larger than the file system allows",
};

/** A failed write as one runtime error naming the file and the cause (an error that already is one passes through). */
export function writeFailure(path: string, err: unknown): TtsGraphError {
  if (TtsGraphError.isInstance(err)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const cause = code !== undefined && WRITE_CAUSES[code] ? `${WRITE_CAUSES[code]} (${code})` : String((err as Error).message ?? err);
  return new TtsGraphError("write_failed", `cannot write ${path}: ${cause}`, { cause: err });
}

/** Write all of `data` at the file's position: a short write (a disk filling up) is continued, so it ends in an error, never in a silently cut file. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}

/**
 * Create a folder and its missing parents, one level at a time. Node's recursive mkdir loops
 * forever on file systems that answer ENOENT for a parent that exists (such as /proc); here any
 * failure ends the walk with that error.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(at).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (isDir === true) break;
    if (isDir === false) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: "ENOTDIR", path: at });
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/**
 * Write a file atomically: write a temporary sibling, fsync, rename. A crash at any instant leaves
 * either the old file or the new one, never a torn one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  try {
    makeDirs(dir);
  } catch (err) {
    throw writeFailure(path, err);
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "w");
    writeAll(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw writeFailure(path, err);
  }
}

/** Write pretty JSON atomically, with a trailing newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}
