/** A real redis-server for tests, on a free loopback port, and worker processes of the built CLI. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { BIN } from "./cli.js";

/** Why Redis tests cannot run here, or undefined when redis-server is installed. */
export function redisMissing(): string | undefined {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? undefined : "redis-server is not installed (apt-get install redis-server)";
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export interface RedisProcess {
  url: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Start redis-server on `port` (a free one by default) and wait until it answers. */
export async function startRedis(options: { port?: number; dir?: string; appendonly?: boolean } = {}): Promise<RedisProcess> {
  const port = options.port ?? (await freePort());
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", ""];
  args.push("--appendonly", options.appendonly ? "yes" : "no");
  if (options.dir) args.push("--dir", options.dir);
  const proc = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Ready to accept connections")) resolve();
    });
    proc.on("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}

export interface WorkerProcess {
  proc: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** A `tts-graph worker` process, resolved once it is pulling jobs. */
export async function startWorker(url: string, extra: string[] = []): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, [BIN, "worker", "--queue", url, "--lock-ms", "2000", ...extra], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let err = "";
  await new Promise<void>((resolve, reject) => {
    proc.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.includes("pulling evaluation jobs")) resolve();
    });
    proc.on("exit", (code) => reject(new Error(`worker exited with ${code}: ${err}`)));
  });
  return {
    proc,
    stderr: () => err,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}
