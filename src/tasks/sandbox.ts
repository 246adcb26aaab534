/**
 * Running untrusted Python programs (model-written code plus its tests) in a subprocess with a CPU-time
 * limit (and a generous wall-clock backstop), a memory limit, no network, a throwaway directory and an
 * environment holding none of the host's variables. Where bubblewrap (`bwrap`) is installed the
 * runner also starts inside it: a read-only view of the file system, private /tmp, and new user,
 * process, network and IPC namespaces, so the host's processes (and their environments) are not
 * even visible. Programs
 * submitted together are batched: one interpreter per batch forks a fresh, guarded child per program
 * (see sandbox-runner.ts), so failures stay isolated while interpreter start-up is paid once per
 * batch. The outcome of a program is data (passed, failed, timeout, memory...); only a failure of
 * the sandbox itself is thrown, since it says nothing about the program.
 */
import { execFileSync, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { z } from "zod";
import { TtsGraphError, UserError } from "../errors.js";
import { SANDBOX_RUNNER } from "./sandbox-runner.js";

export type SandboxStatus = "passed" | "failed" | "error" | "syntax" | "timeout" | "memory" | "crashed";

export interface SandboxResult {
  status: SandboxStatus;
  passed: boolean;
  /** What went wrong: the failing assertion, the exception, the limit hit. Empty when passed. */
  reason: string;
  /** Wall-clock time of the program, in milliseconds. */
  ms: number;
}

export interface SandboxOptions {
  /** Python interpreter (default: `TTS_GRAPH_PYTHON`, else `python3`). */
  python?: string | undefined;
  /** CPU-time limit per program (default 10 s; rounded up to whole seconds). */
  timeoutMs?: number | undefined;
  /**
   * Wall-clock backstop per program (default three times the CPU limit plus 10 s): stops a program
   * that waits without computing; large, so that a loaded machine does not change verdicts.
   */
  wallMs?: number | undefined;
  /** "bwrap" (fail if unavailable), "process" (no bubblewrap), or "auto" (default: bwrap when it works). */
  isolation?: SandboxIsolation | undefined;
  /** Address-space limit per program (default 1024 MB). */
  memoryMb?: number | undefined;
  /** Largest file a program may write (default 16 MB). */
  fileMb?: number | undefined;
  /** Interpreters running at once (default 2). */
  concurrency?: number | undefined;
  /** Most programs per interpreter (default 24). */
  batchSize?: number | undefined;
  /** Called with the pid of each runner process (its process group id too). */
  onRunner?: ((pid: number) => void) | undefined;
}

const RunnerLine = z.object({
  index: z.number().int().nonnegative(),
  status: z.enum(["passed", "failed", "error", "syntax", "timeout", "memory", "crashed"]),
  reason: z.string().default(""),
  ms: z.number().nonnegative().default(0),
});

export type SandboxIsolation = "auto" | "bwrap" | "process";
/** How the runner was started: inside bubblewrap, or as a plain guarded process. */
export type SandboxMode = "bwrap" | "process";

interface Job {
  code: string;
  timeoutMs: number;
  wallMs: number;
  resolve: (r: SandboxResult) => void;
  reject: (e: unknown) => void;
}

const executables = new Map<string, string>();

/** The real interpreter behind a command (shims need the user's environment; the sandbox runs without it). */
export function resolvePython(command: string): string {
  const known = executables.get(command);
  if (known) return known;
  let exe: string;
  try {
    exe = execFileSync(command, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    throw new UserError(`cannot run Python ("${command}") to grade code: ${(err as Error).message.split("\n")[0]}. Install Python 3 or set TTS_GRAPH_PYTHON to an interpreter.`, {
      code: "python_unavailable",
    });
  }
  if (!exe) throw new UserError(`Python ("${command}") did not report its executable; set TTS_GRAPH_PYTHON to an interpreter`, { code: "python_unavailable" });
  executables.set(command, exe);
  return exe;
}

const BWRAP_ARGS = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--unshare-all", "--as-pid-1", "--die-with-parent", "--chdir", "/tmp"];
const bwrapWorks = new Map<string, boolean>();

/** Whether bubblewrap runs here (installed, and namespaces allowed), for the given interpreter. */
export function bwrapAvailable(exe: string): boolean {
  const known = bwrapWorks.get(exe);
  if (known !== undefined) return known;
  let works: boolean;
  try {
    works = execFileSync("bwrap", [...BWRAP_ARGS, "--", exe, "-I", "-c", "print('ok')"], { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "ignore"], env: {} }).trim() === "ok";
  } catch {
    works = false;
  }
  bwrapWorks.set(exe, works);
  return works;
}

export class Sandbox {
  private readonly options: Required<Omit<SandboxOptions, "onRunner" | "python" | "wallMs">> &
    Pick<SandboxOptions, "onRunner" | "wallMs"> & { python: string };
  private readonly queue: Job[] = [];
  private active = 0;
  private scheduled = false;

  constructor(options: SandboxOptions = {}) {
    this.options = {
      python: options.python ?? process.env.TTS_GRAPH_PYTHON ?? "python3",
      timeoutMs: options.timeoutMs ?? 10_000,
      wallMs: options.wallMs,
      isolation: options.isolation ?? (process.env.TTS_GRAPH_SANDBOX as SandboxIsolation | undefined) ?? "auto",
      memoryMb: options.memoryMb ?? 1024,
      fileMb: options.fileMb ?? 16,
      concurrency: Math.max(1, options.concurrency ?? 2),
      batchSize: Math.max(1, options.batchSize ?? 24),
      onRunner: options.onRunner,
    };
  }

  /** How programs run here: "bwrap" when bubblewrap is used, else "process". */
  mode(): SandboxMode {
    const { isolation } = this.options;
    if (isolation === "process") return "process";
    if (isolation !== "bwrap" && isolation !== "auto") {
      throw new UserError(`TTS_GRAPH_SANDBOX must be auto, bwrap or process, not "${String(isolation)}"`, { code: "bad_sandbox" });
    }
    const exe = resolvePython(this.options.python);
    if (bwrapAvailable(exe)) return "bwrap";
    if (isolation === "bwrap") throw new UserError("the code sandbox was asked to use bubblewrap, but `bwrap` is not installed or cannot create namespaces here", { code: "bwrap_unavailable" });
    return "process";
  }

  /** Run one program; resolves with its outcome. */
  run(code: string, options: { timeoutMs?: number | undefined } = {}): Promise<SandboxResult> {
    return new Promise<SandboxResult>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
      const wallMs = this.options.wallMs ?? Math.ceil(timeoutMs / 1000) * 3000 + 10_000;
      this.queue.push({ code, timeoutMs, wallMs, resolve, reject });
      this.schedule();
    });
  }

  /** Run many programs (batched and in parallel); results in input order. */
  runAll(codes: readonly string[], options: { timeoutMs?: number | undefined } = {}): Promise<SandboxResult[]> {
    return Promise.all(codes.map((c) => this.run(c, options)));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Wait a tick so programs submitted together share interpreters.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.options.concurrency && this.queue.length > 0) {
      const size = Math.min(this.options.batchSize, Math.ceil(this.queue.length / (this.options.concurrency - this.active)));
      const batch = this.queue.splice(0, size);
      this.active++;
      this.runBatch(batch, 0).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  /** Run a batch in one interpreter; programs left without a result (the runner died) get one more try. */
  private async runBatch(batch: Job[], attempt: number): Promise<void> {
    let results: Map<number, SandboxResult>;
    let failure: string;
    try {
      ({ results, failure } = await this.spawnRunner(batch));
    } catch (err) {
      for (const job of batch) job.reject(err);
      return;
    }
    const missing: Job[] = [];
    batch.forEach((job, i) => {
      const r = results.get(i);
      if (r) job.resolve(r);
      else missing.push(job);
    });
    if (missing.length === 0) return;
    if (attempt === 0) return this.runBatch(missing, 1);
    const err = new TtsGraphError("sandbox_failed", `the Python sandbox failed before finishing its programs: ${failure}`);
    for (const job of missing) job.reject(err);
  }

  private spawnRunner(batch: Job[]): Promise<{ results: Map<number, SandboxResult>; failure: string }> {
    const exe = resolvePython(this.options.python);
    const bwrap = this.mode() === "bwrap";
    // Inside bubblewrap /tmp is a private, empty file system.
    const tmp = bwrap ? "/tmp" : tmpdir();
    const [command, args] = bwrap ? ["bwrap", [...BWRAP_ARGS, "--", exe, "-I", "-c", SANDBOX_RUNNER]] : [exe, ["-I", "-c", SANDBOX_RUNNER]];
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: bwrap ? "/" : tmp,
        env: { PATH: "/usr/local/bin:/usr/bin:/bin", LANG: "C.UTF-8", LC_ALL: "C.UTF-8", HOME: tmp, TMPDIR: tmp },
        stdio: ["pipe", "pipe", "pipe"],
        detached: true,
      });
      const results = new Map<number, SandboxResult>();
      let buffer = "";
      let stderr = "";
      let killedForTime = false;
      const killGroup = () => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      };
      // The runner enforces each program's limit; this only catches a runner that stopped responding.
      const budget = batch.reduce((s, j) => s + j.wallMs + 500, 0) + 10_000;
      const watchdog = setTimeout(() => {
        killedForTime = true;
        killGroup();
      }, budget);
      if (child.pid) this.options.onRunner?.(child.pid);
      child.on("error", (err) => {
        clearTimeout(watchdog);
        reject(new UserError(`cannot start ${bwrap ? "bubblewrap" : `Python (${exe})`} for the code sandbox: ${err.message}`, { code: "python_unavailable" }));
      });
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        buffer += chunk;
        let nl = buffer.indexOf("\n");
        while (nl >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf("\n");
          if (!line) continue;
          let parsed: z.infer<typeof RunnerLine>;
          try {
            parsed = RunnerLine.parse(JSON.parse(line));
          } catch {
            continue;
          }
          if (parsed.index < batch.length) {
            results.set(parsed.index, { status: parsed.status, passed: parsed.status === "passed", reason: parsed.reason, ms: parsed.ms });
          }
        }
      });
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk: string) => {
        if (stderr.length < 4000) stderr += chunk;
      });
      child.on("close", (code, signal) => {
        clearTimeout(watchdog);
        killGroup();
        const why = killedForTime ? "runner stopped responding" : signal ? `runner killed by ${signal}` : `runner exited with code ${code}`;
        resolve({ results, failure: `${why}${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}` });
      });
      child.stdin.on("error", () => {
        // The runner died before reading everything; reported through "close".
      });
      child.stdin.end(
        JSON.stringify({
          memoryMb: this.options.memoryMb,
          fileMb: this.options.fileMb,
          programs: batch.map((j) => ({ code: j.code, timeoutMs: j.timeoutMs, wallMs: j.wallMs })),
        }),
      );
    });
  }
}

let shared: Sandbox | undefined;

/** A process-wide sandbox with default limits (settings from the environment). */
export function defaultSandbox(): Sandbox {
  shared ??= new Sandbox();
  return shared;
}
