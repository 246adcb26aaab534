#!/usr/bin/env node
/**
 * Opt-in install of the embedded GGUF engine: node-llama-cpp with llama.cpp's prebuilt CPU build for
 * this platform only. `npm install node-llama-cpp` would also fetch every GPU build npm finds fitting
 * (CUDA and Vulkan builds, about 680 MB on x64 Linux), which tts-graph never loads: it runs llama.cpp
 * on the CPU. The package goes into .gguf/ with optional dependencies left out (so the project's own
 * optional packages, such as the test runner's native bindings, are untouched), the platform's build
 * is added by name, and node_modules/node-llama-cpp links to it. Run it again after `npm ci`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const VERSION = "3.22.1";
/** node-llama-cpp's CPU build per platform (Apple's builds use Metal, which needs no extra runtime). */
const BUILDS = {
  "linux-x64": "linux-x64",
  "linux-arm64": "linux-arm64",
  "linux-arm": "linux-armv7l",
  "darwin-arm64": "mac-arm64-metal",
  "darwin-x64": "mac-x64",
  "win32-x64": "win-x64",
  "win32-arm64": "win-arm64",
};

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const platform = `${process.platform}-${process.arch}`;
const build = BUILDS[platform];
if (!build) {
  console.error(`node-llama-cpp ${VERSION} has no prebuilt llama.cpp for ${platform} (it has: ${Object.keys(BUILDS).join(", ")}); the embedded GGUF engine cannot run here, use an OpenAI-compatible server instead`);
  process.exit(2);
}
const prefix = join(root, ".gguf");
mkdirSync(prefix, { recursive: true });
writeFileSync(join(prefix, "package.json"), JSON.stringify({ private: true, description: "node-llama-cpp for tts-graph's embedded GGUF engine (npm run gguf:install)" }) + "\n");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const packages = [`node-llama-cpp@${VERSION}`, `@node-llama-cpp/${build}@${VERSION}`];
console.log(`installing ${packages.join(" and ")} into ${relative(root, prefix)}/ (CPU build only)`);
execFileSync(npm, ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--omit=optional", "--ignore-scripts", ...packages], { stdio: "inherit", shell: process.platform === "win32" });

const link = join(root, "node_modules", "node-llama-cpp");
const target = join(prefix, "node_modules", "node-llama-cpp");
mkdirSync(dirname(link), { recursive: true });
if (existsSync(link) || isLink(link)) rmSync(link, { recursive: true, force: true });
symlinkSync(relative(dirname(link), target), link, process.platform === "win32" ? "junction" : "dir");
console.log(`linked node_modules/node-llama-cpp -> ${relative(root, target)}`);

function isLink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
