import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { Sandbox } from "../../src/tasks/sandbox.js";
import { watchChildren } from "../helpers/procs.js";
import { tempDir } from "../helpers/tmp.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const runners: number[] = [];
const sandbox = new Sandbox({ timeoutMs: 1500, memoryMb: 512, concurrency: 2, onRunner: (pid) => runners.push(pid) });
const dir = tempDir("tts-graph-sandbox-test-");

afterAll(() => {
  // Every runner (and its process group) is gone once its batch is done.
  for (const pid of runners) expect(alive(pid)).toBe(false);
});

describe("sandbox outcomes", () => {
  it("passes a correct program and reports failures with their reasons", async () => {
    const [ok, failed, error, syntax, exited] = await sandbox.runAll([
      "def f(x):\n    return x + 1\nassert f(1) == 2\n",
      "def f(x):\n    return x\nassert f(1) == 2, 'off by one'\n",
      "raise ValueError('nope')\n",
      "def f(:\n",
      "import sys\nsys.exit(0)\nassert False\n",
    ]);
    expect(ok).toMatchObject({ status: "passed", passed: true });
    expect(failed).toMatchObject({ status: "failed", passed: false });
    expect(failed!.reason).toContain("off by one");
    expect(failed!.reason).toContain("line 3: assert f(1) == 2");
    expect(error).toMatchObject({ status: "error", passed: false });
    expect(error!.reason).toContain("ValueError: nope");
    expect(syntax).toMatchObject({ status: "syntax", passed: false });
    expect(exited).toMatchObject({ status: "error", passed: false });
  });

  it("stops an infinite loop at the time limit and kills it", async () => {
    // A program cannot write outside its own directory, so its pid is found as a child of its runner.
    const { value: r, seen } = await watchChildren(() => runners, sandbox.run("while True:\n    pass\n", { timeoutMs: 800 }));
    expect(r).toMatchObject({ status: "timeout", passed: false });
    expect(seen.size).toBeGreaterThan(0);
    for (const pid of seen) expect(alive(pid)).toBe(false);
  });

  it("turns a huge allocation into a memory failure", async () => {
    const [bytes, list] = await sandbox.runAll(["x = bytearray(8 * 1024 ** 3)\n", "x = [0] * (10 ** 10)\n"]);
    expect(bytes).toMatchObject({ status: "memory", passed: false });
    expect(list).toMatchObject({ status: "memory", passed: false });
  });

  it("blocks processes, sockets and removal of files, and scrubs the environment", async () => {
    process.env.TTS_GRAPH_SANDBOX_SECRET = "s3cret";
    const results = await sandbox.runAll([
      "import os\nos.system('true')\n",
      "import subprocess\nsubprocess.run(['true'])\n",
      "import socket\nsocket.socket()\n",
      "import os\nos.fork()\n",
      "import shutil\nshutil.rmtree('/')\n",
      "import os\nassert 'TTS_GRAPH_SANDBOX_SECRET' not in os.environ\nassert not any(k.startswith('VITEST') for k in os.environ)\n",
    ]);
    delete process.env.TTS_GRAPH_SANDBOX_SECRET;
    const reasons = results.map((r) => r.reason);
    expect(reasons[0]).toMatch(/TypeError: 'NoneType' object is not callable/);
    expect(reasons[1]).toMatch(/PermissionError: disabled in the sandbox/);
    expect(reasons[2]).toMatch(/PermissionError: disabled in the sandbox/);
    expect(reasons[3]).toMatch(/TypeError: 'NoneType' object is not callable/);
    expect(reasons[4]).toMatch(/TypeError: 'NoneType' object is not callable/);
    for (const r of results.slice(0, 5)) expect(r.status).toBe("error");
    expect(results[5]!.passed, results[5]!.reason).toBe(true);
  });

  it("runs each program in its own throwaway directory", async () => {
    const [first, second] = await sandbox.runAll([
      "import os\nopen('left.txt', 'w').write('x')\nassert False, os.getcwd()\n",
      "import os\nassert not os.path.exists('left.txt')\nassert False, os.getcwd()\n",
    ]);
    expect(first!.status).toBe("failed");
    expect(second!.status).toBe("failed");
    const cwd1 = /AssertionError: (\S+)/.exec(first!.reason)![1]!;
    const cwd2 = /AssertionError: (\S+)/.exec(second!.reason)![1]!;
    expect(cwd1).not.toBe(cwd2);
    expect(existsSync(cwd1)).toBe(false);
    expect(existsSync(join(process.cwd(), "left.txt"))).toBe(false);
  });

  it("keeps failures isolated and the host working", async () => {
    const programs = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0 ? "import builtins\nbuiltins.len = None\nassert False\n" : `assert len([1] * ${i}) == ${i}\n`,
    );
    const results = await sandbox.runAll(programs);
    results.forEach((r, i) => expect(r.passed, `program ${i}: ${r.reason}`).toBe(i % 3 !== 0));
    // The host process is untouched: it still computes, and the sandbox still serves.
    expect([1, 2, 3].length).toBe(3);
    expect((await sandbox.run("assert 2 + 2 == 4\n")).passed).toBe(true);
  });
});

describe("sandbox set-up", () => {
  it("says how to choose an interpreter when Python cannot be run", async () => {
    const err = await new Sandbox({ python: join(dir, "no-such-python") }).run("pass\n").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe("python_unavailable");
    expect((err as UserError).message).toContain("TTS_GRAPH_PYTHON");
  });
});
