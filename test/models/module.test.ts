/** Pool endpoints of kind `module`: a provider of the user's own, loaded from a JS module. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProviderCallError, ProviderConfigError } from "../../src/models/errors.js";
import type { CallRequest } from "../../src/models/provider.js";
import { loadPoolFile } from "../../src/models/pool.js";
import { checkPoolModules, resolveProviders } from "../../src/resolve.js";
import { ROOT, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const EXAMPLE_POOL = join(ROOT, "examples", "providers", "slip-pool.yaml");
const GRAPH = join(ROOT, "examples", "graphs", "tiny-fuse.json");

/** A pool file of one module model, written into the test folder. */
function poolWith(name: string, endpoint: Record<string, unknown>): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ models: [{ id: "m", family: "f", params: 1e6, layers: 2, hidden: 16, endpoint: { kind: "module", ...endpoint } }] }));
  return path;
}

function writeModule(name: string, body: string): string {
  writeFileSync(join(dir, name), body);
  return `./${name}`;
}

// Echoes what it was sent, so the test sees exactly what reaches a user's provider.
writeModule(
  "echo.mjs",
  `export const echo = { generate: async (r) => ({ text: JSON.stringify({ content: r.messages[0].content, responseFormat: r.responseFormat ?? null, role: r.metadata?.role ?? null }), latencyMs: 5 }) };
export default ({ model, options }) => ({ provider: "echo", generate: async (r) => ({ text: model.id + ":" + options.greeting + ":" + r.messages[0].content }) });
export const malformed = { generate: async () => ({ answer: 42 }) };
export const throwing = { generate: async () => { throw new Error("out of tea"); } };
export const notProvider = { hello: 1 };`,
);

const call = (model: CallRequest["model"], extra: Partial<CallRequest> = {}): CallRequest => ({ model, messages: [{ role: "user", content: "hi" }], sampling: { temperature: 0, maxTokens: 8 }, sampleIndex: 0, ...extra });

async function generate(poolPath: string, extra: Partial<CallRequest> = {}) {
  const loaded = loadPoolFile(poolPath);
  const model = loaded.pool.models[0]!;
  return resolveProviders(loaded)(model).generate(call(model, extra));
}

describe("a module endpoint", () => {
  it("calls the default export's function once per model with the endpoint's options, resolving the path against the pool file", async () => {
    const r = await generate(poolWith("factory", { path: "./echo.mjs", options: { greeting: "hello" } }));
    expect(r.text).toBe("m:hello:hi");
    // Left out of the reply: filled in, counts left for the usage estimate.
    expect(r.finishReason).toBe("stop");
    expect(r.usage).toEqual({ promptTokens: undefined, completionTokens: undefined });
    expect(r.warnings).toEqual([]);
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("passes responseFormat on only when the endpoint declares structured output", async () => {
    const responseFormat = { name: "update", schema: { type: "object" } };
    const metadata = { role: "fuser" as const, isOutput: true, style: "number" as const, taskId: "t", item: { id: "i", question: "q" }, references: [] };
    const without = JSON.parse((await generate(poolWith("plain", { path: "./echo.mjs", export: "echo" }), { responseFormat, metadata })).text);
    expect(without).toEqual({ content: "hi", responseFormat: null, role: "fuser" });
    const withIt = JSON.parse((await generate(poolWith("structured", { path: "./echo.mjs", export: "echo", structuredOutput: true }), { responseFormat })).text);
    expect(withIt).toEqual({ content: "hi", responseFormat, role: null });
  });

  it("turns a malformed reply or a throw into a failed call, never an answer", async () => {
    const bad = generate(poolWith("malformed", { path: "./echo.mjs", export: "malformed" }));
    await expect(bad).rejects.toBeInstanceOf(ProviderCallError);
    await expect(bad).rejects.toThrow(/reply is malformed at text/);
    await expect(generate(poolWith("throwing", { path: "./echo.mjs", export: "throwing" }))).rejects.toThrow(/out of tea/);
  });

  it("names the pool file and field when the module is missing or exports no provider", async () => {
    const missing = poolWith("missing", { path: "./nowhere.mjs" });
    expect(() => resolveProviders(loadPoolFile(missing))(loadPoolFile(missing).pool.models[0]!)).toThrow(ProviderConfigError);
    const notProvider = poolWith("not-provider", { path: "./echo.mjs", export: "notProvider" });
    const err = await checkPoolModules(loadPoolFile(notProvider)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderConfigError);
    expect((err as ProviderConfigError).source).toBe(notProvider);
    expect((err as ProviderConfigError).issues).toEqual([expect.objectContaining({ code: "module_not_provider", path: "models[0].endpoint.export" })]);
  });
});

describe("tts-graph eval with a provider module", () => {
  it("runs the example pool through the CLI, caching because the endpoint says so, and answers the same again from the cache", async () => {
    const cache = join(dir, "cache.sqlite");
    const args = ["eval", GRAPH, "--task", "arith", "--pool", EXAMPLE_POOL, "--limit", "40", "--cache", cache, "--json"];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a.items).toBe(40);
    expect(a.errored).toBe(0);
    // Three assistants slipping on a fifth of digits, fused by plurality by a model slipping on a twentieth: better than chance, not perfect.
    expect(a.accuracy.rate).toBeGreaterThan(0.4);
    expect(a.accuracy.rate).toBeLessThan(1);
    expect(a.calls).toBe(160);
    expect(a.cache.misses).toBe(160);
    const second = JSON.parse((await runCli(args)).stdout);
    expect(second.cache.hits).toBe(160);
    expect(second.itemResults).toEqual(a.itemResults);
  });

  it("opens no cache for a module that does not declare it", async () => {
    const pool = join(dir, "uncached.yaml");
    writeFileSync(pool, readFileSync(EXAMPLE_POOL, "utf8").replaceAll("cache: true", "cache: false").replaceAll("./slip-model.mjs", join(ROOT, "examples", "providers", "slip-model.mjs")));
    const r = await runCli(["eval", GRAPH, "--task", "arith", "--pool", pool, "--limit", "5", "--cache", join(dir, "unused.sqlite"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).cache).toEqual({ hits: 0, misses: 0, path: null });
  });

  it.each([
    ["a module path that does not exist", { path: "./nowhere.mjs" }, "models[0].endpoint.path", "module_not_found"],
    ["a module that exports no provider", { path: "./echo.mjs", export: "notProvider" }, "models[0].endpoint.export", "module_not_provider"],
    ["a module without the named export", { path: "./echo.mjs", export: "absent" }, "models[0].endpoint.export", "module_no_export"],
  ])("exits 2 for %s, naming the pool file and field", async (name, endpoint, field, code) => {
    const pool = poolWith(name.replaceAll(" ", "-"), endpoint);
    const graph = join(dir, "single.json");
    writeFileSync(graph, JSON.stringify({ version: 1, nodes: [{ id: "a", role: "assistant", model: "m" }], edges: [], output: "a" }));
    const r = await runCli(["eval", graph, "--task", "arith", "--pool", pool, "--limit", "2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(pool);
    expect(r.stderr).toContain(`${field}:`);
    expect(r.stderr).toContain(`[${code}]`);
  });
});

describe("the README's provider example", () => {
  it("runs as written", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const js = /```js\n(\/\/ echo-model\.mjs\n[\s\S]*?)```/.exec(readme)?.[1];
    const yaml = /```yaml\n(models:\n[\s\S]*?kind: module[\s\S]*?)```/.exec(readme)?.[1];
    expect(js).toBeDefined();
    expect(yaml).toBeDefined();
    const folder = join(dir, "readme");
    mkdirSync(folder);
    writeFileSync(join(folder, "echo-model.mjs"), js!);
    writeFileSync(join(folder, "pool.yaml"), yaml!);
    writeFileSync(join(folder, "graph.json"), JSON.stringify({ version: 1, nodes: [{ id: "a", role: "assistant", model: "echo" }], edges: [], output: "a" }));
    const r = await runCli(["run", join(folder, "graph.json"), "hello", "--pool", join(folder, "pool.yaml"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    // The short style's prompt wraps the question, so the length is the rendered message's.
    expect(out.output).toMatch(/^n=\d+$/);
    expect(out.nodes[0].promptTokens).toBe(Number(out.output.slice(2)));
  });
});
