/**
 * The package as a consumer gets it: `npm pack`ed, unpacked into a fresh project whose node_modules
 * holds the package's required dependencies but not the optional ones (node-llama-cpp) nor the
 * report's chart libraries (vega, vega-lite), and type-checked with `skipLibCheck: false` by the
 * repository's TypeScript. The project imports the root and every entry but `tts-graph/gguf`, and
 * compiles every `@example` of the package's declarations, and the README's TypeScript, as a file of its own.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/cli.js";
import { tempDir } from "./helpers/tmp.js";

const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown>; dependencies: Record<string, string>; optionalDependencies: Record<string, string> };
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
/** Kept out of the consumer's node_modules: types reachable from the checked entries must not need them. */
const ABSENT = ["node-llama-cpp", "vega", "vega-lite"];
/** Entries checked without node-llama-cpp: all but the GGUF runner's, which needs it by design. */
const ENTRIES = Object.keys(PKG.exports).filter((e) => e !== "./package.json" && e !== "./gguf");

let packed: string | undefined;
/** The built package as `npm pack` makes it (packed once per test file). */
function tarball(): string {
  if (packed) return packed;
  if (!existsSync(join(ROOT, "dist", "index.d.ts"))) throw new Error("run `npm run build` first");
  const dir = tempDir();
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return (packed = join(dir, (JSON.parse(out) as { filename: string }[])[0]!.filename));
}

/** The packed package unpacked as `node_modules/tts-graph` of a new project. */
function consumerProject(dir: string): string {
  const project = join(dir, "consumer");
  const pkgDir = join(project, "node_modules", "tts-graph");
  mkdirSync(pkgDir, { recursive: true });
  execFileSync("tar", ["-xzf", tarball(), "-C", pkgDir, "--strip-components=1"]);
  // The required dependencies (and the type packages of node and SQLite), linked from the repository.
  const linked = [...Object.keys(PKG.dependencies), "@types/node", "@types/better-sqlite3"].filter((d) => !ABSENT.includes(d));
  for (const dep of linked) {
    const target = join(project, "node_modules", dep);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", dep), target, "dir");
  }
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck: false, noEmit: true, types: ["node"] },
      include: ["*.ts", "examples/*.ts"],
    }),
  );
  return project;
}

/** The `@example` code blocks of every declaration file of the unpacked package, outside the GGUF entry. */
function exampleBlocks(pkgDir: string): { file: string; code: string }[] {
  const blocks: { file: string; code: string }[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".d.ts") && !/\/models\/gguf/.test(p) && !p.endsWith("/gguf.d.ts")) {
        const text = readFileSync(p, "utf8");
        for (const m of text.matchAll(/@example\n\s*\* ```ts\n([\s\S]*?)\n\s*\* ```/g)) {
          blocks.push({ file: relative(pkgDir, p), code: m[1]!.replace(/^\s*\* ?/gm, "") });
        }
      }
    }
  };
  walk(join(pkgDir, "dist"));
  return blocks;
}

function typecheck(project: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [TSC, "-p", project], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const CONSUMER = `import * as root from "tts-graph";
import { createExecContext, evaluate, parseGraph, resolvePool, resolveProviders, resolveTask, type CustomProvider, type EvalResult, type Provider } from "tts-graph";
import { scriptedProvider, startOpenAIServer } from "tts-graph/testing";
${ENTRIES.filter((e) => e !== ".")
  .map((e, i) => `import * as entry${i} from "tts-graph/${e.slice(2)}";`)
  .join("\n")}

const task = resolveTask("sim:math");
const pool = resolvePool("sim:llama");
const ctx = createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }) });
const graph = parseGraph({ version: 1, nodes: [{ id: "a", role: "assistant", model: "llama-1b" }], edges: [], output: "a" });
export const result: Promise<EvalResult> = evaluate(graph, task.items("test").slice(0, 2), ctx);
export const scripted: Provider = scriptedProvider(["42"]);
export const custom: CustomProvider = { generate: async () => ({ text: "x" }) };
export const server = startOpenAIServer;
export const names: string[] = [...Object.keys(root), ${ENTRIES.filter((e) => e !== ".")
  .map((_, i) => `...Object.keys(entry${i})`)
  .join(", ")}];
`;

describe("the packed package in a consumer project", () => {
  it("type-checks with skipLibCheck false, without node-llama-cpp, vega and vega-lite installed, examples included", () => {
    const project = consumerProject(tempDir());
    for (const dep of ABSENT) expect(existsSync(join(project, "node_modules", dep))).toBe(false);
    writeFileSync(join(project, "index.ts"), CONSUMER);
    const blocks = exampleBlocks(join(project, "node_modules", "tts-graph"));
    // At least one example per value of the root (see the README's public API section).
    expect(blocks.length).toBeGreaterThanOrEqual(25);
    // And the README's TypeScript that uses the package.
    const readme = [...readFileSync(join(ROOT, "README.md"), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((c) => c.includes('from "tts-graph'));
    expect(readme.length).toBeGreaterThanOrEqual(2);
    blocks.push(...readme.map((code) => ({ file: "README.md", code })));
    mkdirSync(join(project, "examples"));
    blocks.forEach((b, i) => writeFileSync(join(project, "examples", `example-${i}.ts`), `// from ${b.file}\n${b.code}\nexport {};\n`));
    const r = typecheck(project);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  }, 300_000);

  it("fails when a checked entry's types need an optional package", () => {
    const project = consumerProject(tempDir());
    // The way a stray `import type` of node-llama-cpp or vega-lite would show in the root's types.
    const index = join(project, "node_modules", "tts-graph", "dist", "index.d.ts");
    writeFileSync(index, `import type { Llama } from "node-llama-cpp";\nimport type { TopLevelSpec } from "vega-lite";\nexport type Stray = [Llama, TopLevelSpec];\nexport declare const VERSION: string;\n`);
    writeFileSync(join(project, "index.ts"), `import { VERSION } from "tts-graph";\nexport const v: string = VERSION;\n`);
    const r = typecheck(project);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/Cannot find module 'node-llama-cpp'/);
    expect(r.output).toMatch(/Cannot find module 'vega-lite'/);
  }, 300_000);
});

describe("the root entry", () => {
  it("holds a few dozen names, resolveTask and resolvePool among them, and nothing of the GGUF runner or the charts", async () => {
    const root = await import("../src/index.js");
    const names = Object.keys(root);
    expect(names.length).toBeLessThan(60);
    expect(names).toEqual(expect.arrayContaining(["resolveTask", "resolvePool", "resolveProviders", "evaluate", "createExecContext", "runSearch", "writeReport"]));
    expect(names).not.toContain("GgufProvider");
    expect(names).not.toContain("renderSvg");
  });
});
