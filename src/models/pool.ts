/** Loading pool files (YAML or JSON). */
import { dirname, isAbsolute, resolve } from "node:path";
import { readStructured, parseWith } from "../util/files.js";
import { PoolSchema, type ModelSpec, type Pool } from "./spec.js";

/** A pool with where it came from, so relative paths in it (GGUF files) resolve against its folder. */
export interface LoadedPool {
  pool: Pool;
  /** `sim:llama`, `paper`, or the file path. */
  source: string;
  /** Folder that relative paths in the pool are relative to. */
  baseDir: string;
}

/**
 * Load and validate a pool file; every problem names the file and the field.
 *
 * @example
 * ```ts
 * import { loadPoolFile } from "tts-graph";
 *
 * const loaded = loadPoolFile("examples/pools/tiny-gguf.yaml");
 * console.log(loaded.pool.models.map((m) => `${m.id}: ${m.endpoint.kind}`));
 * ```
 */
export function loadPoolFile(path: string): LoadedPool {
  const data = readStructured(path, "pool file");
  const pool = parseWith(PoolSchema, data, path, "pool");
  return { pool, source: path, baseDir: dirname(resolve(path)) };
}

/** Model specs by id. */
export function modelsById(pool: Pool): Map<string, ModelSpec> {
  return new Map(pool.models.map((m) => [m.id, m]));
}

/** Resolve a path of the pool (a GGUF file, a provider module) against the pool's folder. */
export function resolvePoolPath(loaded: LoadedPool, path: string): string {
  return isAbsolute(path) ? path : resolve(loaded.baseDir, path);
}
