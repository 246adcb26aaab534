import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { cacheKey, ResponseCache } from "../../src/exec/cache.js";
import type { CallRequest, CallResult } from "../../src/models/provider.js";
import type { ModelSpec } from "../../src/models/spec.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const model: ModelSpec = { id: "m", family: "f", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL: "http://127.0.0.1:9/v1", model: "served" } };
const base: CallRequest = {
  model,
  messages: [{ role: "user", content: "What is 2 + 3?" }],
  metadata: { role: "assistant", isOutput: true, style: "number", taskId: "t", item: { id: "q0", question: "What is 2 + 3?" }, references: [] },
  sampling: { temperature: 0.7, maxTokens: 100, seed: 11 },
  sampleIndex: 0,
};
const result: CallResult = { text: "\\boxed{5}", finishReason: "stop", rawFinishReason: "stop", usage: { promptTokens: 9, completionTokens: 3 }, latencyMs: 42.5, warnings: [] };

describe("cacheKey", () => {
  it("separates everything that decides a response, and nothing else", () => {
    const k = cacheKey(base);
    expect(cacheKey({ ...base, sampleIndex: 1 })).not.toBe(k);
    expect(cacheKey({ ...base, sampling: { ...base.sampling, seed: 12 } })).not.toBe(k);
    expect(cacheKey({ ...base, sampling: { ...base.sampling, temperature: 0 } })).not.toBe(k);
    expect(cacheKey({ ...base, sampling: { ...base.sampling, maxTokens: 101 } })).not.toBe(k);
    expect(cacheKey({ ...base, messages: [{ role: "user", content: "What is 2 + 4?" }] })).not.toBe(k);
    expect(cacheKey({ ...base, model: { ...model, endpoint: { ...model.endpoint, model: "other" } as ModelSpec["endpoint"] } })).not.toBe(k);
    expect(cacheKey({ ...base, model: { ...model, endpoint: { ...model.endpoint, baseURL: "http://127.0.0.1:10/v1" } as ModelSpec["endpoint"] } })).not.toBe(k);
    expect(cacheKey({ ...base, model: { ...model, id: "m2" } })).not.toBe(k);
    // Not part of the request a server sees: the item id, the task id, timeouts and limits.
    expect(cacheKey({ ...base, metadata: { ...base.metadata!, item: { id: "other", question: base.metadata!.item.question }, taskId: "u" } })).toBe(k);
    expect(cacheKey({ ...base, metadata: undefined })).toBe(k);
    expect(cacheKey({ ...base, model: { ...model, endpoint: { ...model.endpoint, concurrency: 2, timeoutMs: 5 } as ModelSpec["endpoint"] } })).toBe(k);
  });
});

describe("ResponseCache", () => {
  it("stores and returns responses across connections, in WAL mode", () => {
    const path = join(dir, "a", "cache.sqlite");
    const writer = ResponseCache.open(path);
    const reader = ResponseCache.open(path);
    expect(reader.get("k")).toBeUndefined();
    writer.put("k", "m", { ...result, usage: { promptTokens: undefined, completionTokens: 3 } });
    expect(reader.get("k")).toEqual({ ...result, usage: { promptTokens: undefined, completionTokens: 3 } });
    expect(reader.size()).toBe(1);
    writer.close();
    reader.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("treats an unreadable entry as absent", () => {
    const path = join(dir, "b.sqlite");
    const cache = ResponseCache.open(path);
    cache.put("k", "m", result);
    const raw = new Database(path);
    raw.prepare("UPDATE responses SET value = ? WHERE key = ?").run('{"text": 5}', "k");
    raw.close();
    expect(cache.get("k")).toBeUndefined();
    cache.close();
  });

  it("names the file and the way out when it cannot be opened", () => {
    expect(() => ResponseCache.open(join(dir, "b.sqlite", "inside-a-file.sqlite"))).toThrow(/cannot open the response cache .*--no-cache/);
  });
});
