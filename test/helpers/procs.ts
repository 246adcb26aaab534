/** Looking at processes from tests (Linux /proc). */
import { readdirSync, readFileSync } from "node:fs";

/** True while a process exists (a zombie counts as gone once reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Pids of the processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      // Fields after the command name (which may hold spaces) in parentheses: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Run `work`, noting the children of the processes `parents()` names every few milliseconds meanwhile. */
export async function watchChildren<T>(parents: () => number[], work: Promise<T>): Promise<{ value: T; seen: Set<number> }> {
  const seen = new Set<number>();
  let done = false;
  const poll = (async () => {
    while (!done) {
      for (const p of parents()) for (const c of childrenOf(p)) seen.add(c);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { value: await work, seen };
  } finally {
    done = true;
    await poll;
  }
}
