/**
 * The response cache: one SQLite file (better-sqlite3, WAL mode, so several readers and a writer,
 * even in other processes, can share it). A response is stored under a hash of everything that
 * decides it: the endpoint (kind, base URL or file, served model name), the pool model id, the
 * rendered messages, the sampling parameters (seed included) and the sample index. Repeated samples
 * of one prompt therefore stay distinct, and a rerun of the same evaluation calls no model. Only
 * successful responses are stored; errors never are.
 */
import { createHash } from "node:crypto";
import { makeDirs } from "../util/files.js";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { UserError } from "../errors.js";
import type { CallRequest, CallResult } from "../models/provider.js";
import type { ModelSpec } from "../models/spec.js";

/** Bump when the key or value layout changes, so old entries are never misread. */
const CACHE_FORMAT = 1;

/** The default cache file, under the current directory. */
export function defaultCachePath(cwd = process.cwd()): string {
  return join(cwd, ".tts-graph", "cache.sqlite");
}

/** What identifies the server side of a model: where it runs and under which name. */
export function endpointIdentity(model: ModelSpec): unknown {
  const e = model.endpoint;
  switch (e.kind) {
    case "openai":
      return { kind: e.kind, baseURL: e.baseURL.replace(/\/+$/, ""), model: e.model };
    case "gguf":
      return { kind: e.kind, path: e.path, contextTokens: e.contextTokens };
    case "sim":
      return { kind: e.kind, profile: e.profile };
    case "module":
      return { kind: e.kind, path: e.path, export: e.export ?? "default", options: e.options ?? null };
  }
}

/** The cache key of a call. */
export function cacheKey(request: CallRequest): string {
  const s = request.sampling;
  const body = JSON.stringify([
    CACHE_FORMAT,
    endpointIdentity(request.model),
    request.model.id,
    request.messages.map((m) => [m.role, m.content]),
    // Stop strings join the key only when set, so keys of calls without them stay what they were.
    s.stop !== undefined ? { temperature: s.temperature, maxTokens: s.maxTokens, topP: s.topP ?? null, seed: s.seed ?? null, stop: s.stop } : { temperature: s.temperature, maxTokens: s.maxTokens, topP: s.topP ?? null, seed: s.seed ?? null },
    request.sampleIndex,
  ]);
  return createHash("sha256").update(body).digest("hex");
}

const StoredSchema = z.object({
  text: z.string(),
  reasoning: z.string().optional(),
  finishReason: z.enum(["stop", "length", "content_filter", "other"]),
  rawFinishReason: z.string().optional(),
  promptTokens: z.number().nullable(),
  completionTokens: z.number().nullable(),
  latencyMs: z.number(),
  warnings: z.array(z.string()),
});

export interface CacheStats {
  entries: number;
  path: string;
}

/**
 * A response cache backed by one SQLite file.
 *
 * @example
 * ```ts
 * import { ResponseCache } from "tts-graph";
 *
 * const cache = ResponseCache.open(".tts-graph/cache.sqlite");
 * console.log(cache.size()); // responses stored
 * cache.close();
 * ```
 */
export class ResponseCache {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { value: string }>;
  private readonly putStmt: Database.Statement<[string, string, string, number]>;

  private constructor(readonly path: string) {
    try {
      if (path !== ":memory:") makeDirs(dirname(path));
      this.db = new Database(path);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("busy_timeout = 10000");
      this.db.pragma("synchronous = NORMAL");
      this.db.exec("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, value TEXT NOT NULL, created INTEGER NOT NULL)");
    } catch (err) {
      throw new UserError(`cannot open the response cache ${path}: ${(err as Error).message} (choose another file with --cache FILE, or run with --no-cache)`, {
        source: "--cache",
        code: "cache_unusable",
        cause: err,
      });
    }
    this.getStmt = this.db.prepare("SELECT value FROM responses WHERE key = ?");
    this.putStmt = this.db.prepare("INSERT OR REPLACE INTO responses (key, model, value, created) VALUES (?, ?, ?, ?)");
  }

  /** Open (creating when needed) a cache file; `:memory:` gives a private in-memory cache. */
  static open(path: string = defaultCachePath()): ResponseCache {
    return new ResponseCache(path);
  }

  /** Lookups since the cache was opened: found, and not found (absent or no longer parsing). */
  readonly lookups = { hits: 0, misses: 0 };

  /** The stored response for a key, or undefined. An entry that no longer parses counts as absent. */
  get(key: string): Omit<CallResult, "attempts" | "cache"> | undefined {
    const found = this.read(key);
    if (found) this.lookups.hits++;
    else this.lookups.misses++;
    return found;
  }

  private read(key: string): Omit<CallResult, "attempts" | "cache"> | undefined {
    const row = this.getStmt.get(key);
    if (!row) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(row.value);
    } catch {
      return undefined;
    }
    const r = StoredSchema.safeParse(data);
    if (!r.success) return undefined;
    const v = r.data;
    return {
      text: v.text,
      ...(v.reasoning !== undefined ? { reasoning: v.reasoning } : {}),
      finishReason: v.finishReason,
      rawFinishReason: v.rawFinishReason,
      usage: { promptTokens: v.promptTokens ?? undefined, completionTokens: v.completionTokens ?? undefined },
      latencyMs: v.latencyMs,
      warnings: v.warnings,
    };
  }

  /** Store a successful response. */
  put(key: string, model: string, result: CallResult): void {
    const value: z.input<typeof StoredSchema> = {
      text: result.text,
      ...(result.reasoning ? { reasoning: result.reasoning } : {}),
      finishReason: result.finishReason,
      ...(result.rawFinishReason !== undefined ? { rawFinishReason: result.rawFinishReason } : {}),
      promptTokens: result.usage.promptTokens ?? null,
      completionTokens: result.usage.completionTokens ?? null,
      latencyMs: result.latencyMs,
      warnings: result.warnings,
    };
    this.putStmt.run(key, model, JSON.stringify(value), Date.now());
  }

  /** Number of stored responses. */
  size(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM responses").get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
