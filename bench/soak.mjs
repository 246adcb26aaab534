// Crash-and-resume soak: a search is killed at random moments (SIGKILL, SIGINT or SIGTERM, after a
// random number of journal lines), resumed (and sometimes killed again during the resume) until it
// finishes, and its events.jsonl and result.json are compared byte for byte with an uninterrupted run
// of the same config. On the simulator, and on the project's tiny GGUF models when llama.cpp runs here.
// Not part of CI: it takes minutes.
//
//     npm run build && npm run bench:soak                     (rewrites its section of BENCHMARKS.md)
//     npm run build && npm run bench:soak -- --kills 50 --no-write
//
// Options: --kills N (interrupted searches per pool, default 20), --seed S (of the kill schedule),
//   --evals N (per search, default 400), --no-gguf, --no-write, --json.
// Exits non-zero when any resumed run differs from the uninterrupted one (or a run crashed).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flags, fmtSeconds, machineLine, repoRoot, sectionHead, writeSection } from "./lib/record.mjs";

const BIN = join(repoRoot, "bin", "tts-graph.js");
const SIGNALS = ["SIGKILL", "SIGINT", "SIGTERM"];

/** mulberry32: the kill schedule is seeded, so a failure can be replayed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const lineCount = (path) => {
  if (!existsSync(path)) return 0;
  let n = 0;
  for (const b of readFileSync(path)) if (b === 10) n++;
  return n;
};

/** Run the CLI; when `killAt` is given, send `signal` once the journal holds that many lines. */
function run(args, journal, killAt, signal) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let killed = false;
    child.stderr.on("data", (d) => (stderr += d.toString()));
    const poll =
      killAt === undefined
        ? undefined
        : setInterval(() => {
            if (!killed && lineCount(journal) >= killAt) {
              killed = true;
              child.kill(signal);
            }
          }, 2);
    const guard = setTimeout(() => child.kill("SIGKILL"), 10 * 60_000);
    child.on("error", reject);
    child.on("close", (code, sig) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal: sig, killed, stderr });
    });
  });
}

/**
 * A run folder's journal and result as compared: the bytes, or (for models whose latency is measured
 * in real time) the values without measured times and without the Pareto front, which has latency as
 * an axis.
 */
function comparable(dir, exact) {
  const events = readFileSync(join(dir, "events.jsonl"));
  const result = readFileSync(join(dir, "result.json"));
  if (exact) return Buffer.concat([events, result]);
  const drop = (k, v) => (/latency|Ms$|^pareto$/i.test(k) ? undefined : v);
  const lines = events.toString("utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l, drop));
  return Buffer.from(JSON.stringify([lines, JSON.parse(result.toString("utf8"), drop)]));
}

async function soakPool(label, searchArgs, kills, random, work, exact) {
  const ref = join(work, `${label}-ref`);
  const started = Date.now();
  const first = await run([...searchArgs, "--out", ref], join(ref, "events.jsonl"));
  if (first.code !== 0) throw new Error(`${label}: the uninterrupted search failed: ${first.stderr.slice(-500)}`);
  const refSeconds = (Date.now() - started) / 1000;
  const want = comparable(ref, exact);
  const lines = lineCount(join(ref, "events.jsonl"));
  const out = { label, exact, kills: 0, bySignal: { SIGKILL: 0, SIGINT: 0, SIGTERM: 0 }, resumes: 0, identical: 0, differing: [], crashed: [], refSeconds, lines };
  for (let k = 0; k < kills; k++) {
    const dir = join(work, `${label}-${k}`);
    const journal = join(dir, "events.jsonl");
    let args = [...searchArgs, "--out", dir];
    // Kill the first run, then each resume with probability 1/3 (a resume is killed further on).
    for (let attempt = 0; ; attempt++) {
      const kill = attempt === 0 || (attempt < 5 && random() < 1 / 3);
      const at = kill ? Math.max(1, Math.floor(lineCount(journal) + random() * (lines - lineCount(journal)))) : undefined;
      const signal = SIGNALS[Math.floor(random() * SIGNALS.length)];
      const r = await run(args, journal, at, signal);
      if (r.killed) {
        out.kills++;
        out.bySignal[signal]++;
      }
      if (r.code === 0 && existsSync(join(dir, "result.json"))) break;
      // Stopped by the signal: with its message (130, 143), or at once (SIGKILL, or a signal that
      // came before the process set its handlers up).
      const stopped = r.killed && (r.signal !== null || r.code === 130 || r.code === 143);
      if (!stopped) {
        out.crashed.push({ run: k, attempt, code: r.code, stderr: r.stderr.slice(-400) });
        break;
      }
      args = ["search", "--resume", dir];
      out.resumes++;
    }
    if (!existsSync(join(dir, "result.json"))) continue;
    const same = comparable(dir, exact).equals(want);
    if (same) out.identical++;
    else out.differing.push(k);
    if (same) rmSync(dir, { recursive: true, force: true });
  }
  out.seconds = (Date.now() - started) / 1000;
  return out;
}

async function ggufAvailable() {
  try {
    await import("node-llama-cpp");
    return existsSync(join(repoRoot, "examples", "models", "arith-small.gguf"));
  } catch {
    return false;
  }
}

async function main() {
  const { get, has } = flags();
  const kills = Number(get("kills", "20"));
  const seed = Number(get("seed", "1"));
  const evals = get("evals", "400");
  const random = rng(seed);
  const work = mkdtempSync(join(tmpdir(), "tts-graph-soak-"));
  const started = Date.now();
  const machineText = machineLine();
  const pools = [{ label: "simulator", exact: true, args: ["search", "--task", "sim:math", "--evals", evals, "--seed", "3"] }];
  if (!has("no-gguf")) {
    if (await ggufAvailable()) {
      pools.push({ label: "tiny GGUF models", exact: false, args: ["search", "--task", "arith", "--pool", join(repoRoot, "examples", "pools", "tiny-gguf.yaml"), "--budget", "12", "--evals", evals, "--seed", "3", "--no-cache"] });
    } else process.stderr.write("soak: the tiny GGUF models are skipped (node-llama-cpp or examples/models missing)\n");
  }
  const results = [];
  for (const p of pools) {
    process.stderr.write(`soak: ${p.label}, ${kills} interrupted searches...\n`);
    results.push(await soakPool(p.label, p.args, kills, random, work, p.exact));
  }
  const seconds = (Date.now() - started) / 1000;
  const bad = results.some((r) => r.differing.length > 0 || r.crashed.length > 0);
  for (const r of results) for (const c of r.crashed) process.stderr.write(`soak: ${r.label}, search ${c.run}, run ${c.attempt} exited with ${c.code}: ${c.stderr}\n`);
  if (!bad) rmSync(work, { recursive: true, force: true });
  else process.stderr.write(`soak: the folders that differ are kept in ${work}\n`);
  if (has("json")) process.stdout.write(JSON.stringify({ seed, kills, evals: Number(evals), results }, null, 2) + "\n");

  const L = sectionHead("Crash and resume soak", "npm run build && npm run bench:soak" + (kills !== 20 ? ` -- --kills ${kills}` : ""), `${machineText} The script took ${fmtSeconds(seconds)} in all.`);
  L.push(
    `Each interrupted search is killed once its journal reaches a random line (SIGKILL, SIGINT or SIGTERM, at random), then resumed; a resume is itself killed further on with probability 1/3 (at most five times). The finished folder's \`events.jsonl\` and \`result.json\` are compared with an uninterrupted run of the same config (${evals} graph-item evaluations, kill schedule seed ${seed}): byte for byte on the simulator; on the tiny GGUF models, whose call latencies are measured in real time, every value but those latencies (and the Pareto front, which has latency as an axis) must agree.`,
    "",
    "| models | interrupted searches | kills (SIGKILL / SIGINT / SIGTERM) | resumes | identical | differing | crashed | uninterrupted run | journal lines |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const r of results) {
    L.push(`| ${r.label} | ${kills} | ${r.kills} (${r.bySignal.SIGKILL} / ${r.bySignal.SIGINT} / ${r.bySignal.SIGTERM}) | ${r.resumes} | ${r.identical}${r.exact ? " (byte for byte)" : " (but latencies)"} | ${r.differing.length} | ${r.crashed.length} | ${fmtSeconds(r.refSeconds)} | ${r.lines} |`);
  }
  const md = L.join("\n");
  if (!has("no-write")) writeSection("soak", md);
  process.stdout.write(has("json") ? "" : md + "\n");
  process.exit(bad ? 1 : 0);
}

await main();
