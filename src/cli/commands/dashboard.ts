/** `tts-graph dashboard [DIR]`: a local web app over the search run folders under DIR, read live. */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { startDashboard } from "../../dashboard/server.js";
import { listRuns } from "../../dashboard/runs.js";
import { UserError } from "../../errors.js";
import { trapStopSignals, type StopSignal } from "../../runs/signals.js";
import type { Io } from "../output.js";

export interface DashboardOpts {
  host: string;
  port: number;
  json?: boolean;
}

export async function dashboardCommand(dir: string | undefined, opts: DashboardOpts, io: Io): Promise<void> {
  const root = resolve(dir ?? "runs");
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UserError(`${root} is not a folder: give the folder holding search run folders (default ./runs)`, { code: "not_a_folder", source: "DIR" });
  let stopped!: (signal: StopSignal) => void;
  const stop = new Promise<StopSignal>((r) => (stopped = r));
  const release = trapStopSignals((signal) => stopped(signal));
  try {
    const { server, url } = await startDashboard({ root, host: opts.host, port: opts.port }).catch((err: NodeJS.ErrnoException) => {
      throw new UserError(`cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { code: "listen_failed", source: "--port", cause: err });
    });
    const runs = listRuns(root).length;
    io.stderr(`dashboard of ${runs} run folder${runs === 1 ? "" : "s"} under ${root}\nlistening on ${url}; stop with Ctrl-C\n`);
    if (opts.json) io.stdout(JSON.stringify({ url, root, runs }) + "\n");
    const signal = await stop;
    io.stderr(`${signal}: stopping\n`);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  } finally {
    release();
  }
}
