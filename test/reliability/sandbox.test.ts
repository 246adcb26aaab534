/**
 * Model-written code that misbehaves, run by the real Python sandbox (short limits): endless loops,
 * unbounded allocation, fork bombs, network sockets, writes outside its directory, reading the
 * environment. Each is contained, the grader reports it as failed with the reason, and the host
 * process and the sandbox keep working.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradeCode } from "../../src/tasks/grade.js";
import { Sandbox } from "../../src/tasks/sandbox.js";
import type { TaskItem } from "../../src/tasks/types.js";
import { alive, watchChildren } from "../helpers/procs.js";
import { tempDir } from "../helpers/tmp.js";

const runners: number[] = [];
const sandbox = new Sandbox({ timeoutMs: 800, wallMs: 6000, memoryMb: 512, concurrency: 2, onRunner: (pid) => runners.push(pid) });
/** Filling memory takes a while on a busy machine: a longer time limit, a smaller memory limit. */
const roomy = new Sandbox({ timeoutMs: 10_000, memoryMb: 256, concurrency: 2, onRunner: (pid) => runners.push(pid) });
const dir = tempDir("tts-graph-contain-");
const py = JSON.stringify;

/** A HumanEval-style item: the prompt is a signature, the tests call the entry point. */
const item: TaskItem = {
  id: "he-1",
  question: 'def add_one(x):\n    """Return x + 1."""\n',
  answer: "",
  meta: { entry_point: "add_one", test: "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(-1) == 0\n" },
};
/** A completion defining the entry point after running `body` at import time. */
const completion = (body: string) => "```python\n" + body + "\ndef add_one(x):\n    return x + 1\n```";

afterAll(() => {
  // No runner, and so no process group of a program, outlives its batch.
  for (const pid of runners) expect(alive(pid)).toBe(false);
});

describe("time", () => {
  it("a busy loop is stopped at the CPU-time limit, a sleeping program at the wall-clock backstop, and both are killed", async () => {
    const { value, seen } = await watchChildren(() => runners, sandbox.runAll(["while True:\n    pass\n", "import time\ntime.sleep(3600)\n"]));
    expect(value[0]).toMatchObject({ status: "timeout", passed: false, reason: "CPU time limit of 1s exceeded" });
    expect(value[1]).toMatchObject({ status: "timeout", passed: false, reason: "wall-clock limit of 6s exceeded" });
    expect(seen.size).toBeGreaterThan(0);
    for (const pid of seen) expect(alive(pid)).toBe(false);
  });
});

describe("memory", () => {
  it("unbounded allocation stops at the memory limit", async () => {
    const rs = await roomy.runAll(["x = []\nwhile True:\n    x.append(bytearray(10 ** 7))\n", "s = 'x'\nwhile True:\n    s = s + s\n"]);
    for (const r of rs) {
      expect(r.status).toBe("memory");
      expect(r.reason).toMatch(/MemoryError: memory limit exceeded/);
    }
  });
});

describe("processes", () => {
  it("fork bombs by every name fail at the first fork, and leave no process behind", async () => {
    const programs = [
      "import os\nwhile True:\n    os.fork()\n",
      "import posix\nwhile True:\n    posix.fork()\n",
      "import pty\nwhile True:\n    pty.fork()\n",
      "import posix\nposix.system('sleep 100 &')\n",
      "import posix\nposix.execv('/bin/sh', ['sh', '-c', 'sleep 100'])\n",
      "import _posixsubprocess\n",
      "import multiprocessing\n",
    ];
    const { value: rs, seen } = await watchChildren(() => runners, sandbox.runAll(programs));
    for (const [k, r] of rs.entries()) expect(r.status, `program ${k}: ${r.reason}`).toBe("error");
    expect(rs[0]!.reason).toMatch(/TypeError: 'NoneType' object is not callable/);
    for (const k of [1, 3, 4]) expect(rs[k]!.reason).toMatch(/PermissionError: disabled in the sandbox: creating processes/);
    expect(rs[2]!.reason).toMatch(/disabled in the sandbox: creating processes|NoneType/);
    expect(rs[5]!.reason).toMatch(/ImportError|ModuleNotFoundError/);
    expect(rs[6]!.reason).toMatch(/ImportError|ModuleNotFoundError/);
    // One program process per run at most: nothing forked beyond them, and all are gone.
    expect(seen.size).toBeLessThanOrEqual(programs.length);
    for (const pid of seen) expect(alive(pid)).toBe(false);
  });
});

describe("signals and native code", () => {
  it("a program cannot signal other processes or load native code", async () => {
    const rs = await sandbox.runAll([
      "import os\nos.kill(os.getppid(), 9)\n",
      "import posix\nposix.kill(1, 0)\n",
      "import os, posix\nposix.killpg(os.getpgid(0), 9)\n",
      "import ctypes\n",
      "import _ctypes\n",
    ]);
    for (const [k, r] of rs.entries()) expect(r.status, `program ${k}: ${r.reason}`).toBe("error");
    expect(rs[0]!.reason).toMatch(/TypeError: 'NoneType' object is not callable/);
    for (const k of [1, 2]) expect(rs[k]!.reason).toMatch(/PermissionError: disabled in the sandbox: signalling processes \(os\.kill(pg)?\)/);
    for (const k of [3, 4]) expect(rs[k]!.reason).toMatch(/ImportError|ModuleNotFoundError/);
    // The runners that ran them finished normally: their results came back.
    expect(rs).toHaveLength(5);
  });
});

describe("network", () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((s) => {
      connections++;
      s.end("HTTP/1.0 200 OK\r\n\r\nhello");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("no socket can be opened, by any module, and the listening server sees no connection", async () => {
    const rs = await sandbox.runAll([
      `import socket\nsocket.create_connection(("127.0.0.1", ${port}))\n`,
      "import _socket\n_socket.socket()\n",
      `import urllib.request\nurllib.request.urlopen("http://127.0.0.1:${port}/")\n`,
      `import http.client\nc = http.client.HTTPConnection("127.0.0.1", ${port})\nc.request("GET", "/")\n`,
      "import socket\nsocket.getaddrinfo('localhost', 80)\n",
    ]);
    for (const [k, r] of rs.entries()) {
      expect(r.status, `program ${k}: ${r.reason}`).toBe("error");
      expect(r.reason).toMatch(/disabled in the sandbox: network access \(socket\.(__new__|getaddrinfo)\)/);
    }
    expect(rs[1]!.reason).toMatch(/disabled in the sandbox: network access \(socket\.__new__\)/);
    expect(connections).toBe(0);
  });
});

describe("files", () => {
  it("writes outside the program's own directory are refused; writes inside it work and vanish", async () => {
    const outside = join(dir, "host");
    mkdirSync(outside);
    const target = join(outside, "x.txt");
    const rs = await sandbox.runAll([
      `open(${py(target)}, "w").write("x")\n`,
      `import os\nos.open(${py(target)}, os.O_WRONLY | os.O_CREAT)\n`,
      `import pathlib\npathlib.Path(${py(target)}).write_text("x")\n`,
      `import os\nos.mkdir(${py(join(outside, "d"))})\n`,
      `import os\nos.symlink(${py(outside)}, "link")\nopen("link/y.txt", "w").write("x")\n`,
      `import shutil\nopen("mine.txt", "w").write("x")\nshutil.copyfile("mine.txt", ${py(target)})\n`,
      `open(${py(target)}, "a").write("x")\n`,
    ]);
    for (const [k, r] of rs.entries()) {
      expect(r.status, `program ${k}: ${r.reason}`).toBe("error");
      // Links of any kind are refused (os.symlink is gone; posix.symlink is refused by the hook).
      if (k === 4) expect(r.reason).toMatch(/TypeError: 'NoneType' object is not callable|disabled in the sandbox: creating links/);
      else expect(r.reason).toMatch(/PermissionError: disabled in the sandbox: writing outside the program's directory/);
    }
    expect(readdirSync(outside)).toEqual([]);

    const inside = await sandbox.run(
      [
        "import os, tempfile",
        "open('own.txt', 'w').write('x')",
        "os.mkdir('sub')",
        "fd, path = tempfile.mkstemp()",
        "assert path.startswith(os.getcwd() + os.sep), path",
        "assert os.environ['HOME'] == os.getcwd()",
        "assert open('own.txt').read() == 'x'",
        "assert False, os.getcwd()",
      ].join("\n") + "\n",
    );
    expect(inside.status, inside.reason).toBe("failed");
    const cwd = /AssertionError: (\S+)/.exec(inside.reason)![1]!;
    expect(existsSync(cwd)).toBe(false);
  });
});

describe("environment", () => {
  it("the program sees a scrubbed environment and cannot read the host's", async () => {
    process.env.OPENAI_API_KEY = "sk-test-secret-123";
    process.env.TTS_GRAPH_TEST_SECRET = "hunter2";
    try {
      const [keys, hostEnv, parentEnv] = await sandbox.runAll([
        "import os\nassert False, ' '.join(sorted(os.environ))\n",
        `open("/proc/${process.pid}/environ", "rb").read()\n`,
        "import os\nopen('/proc/%d/environ' % os.getppid(), 'rb').read()\n",
      ]);
      expect(keys!.status).toBe("failed");
      const names = /AssertionError: (.*) at line/.exec(keys!.reason)![1]!.split(" ");
      expect(names.sort()).toEqual(["HOME", "LANG", "LC_ALL", "OMP_NUM_THREADS", "PATH", "TMPDIR"]);
      expect(keys!.reason).not.toMatch(/sk-test-secret|hunter2|OPENAI|TTS_GRAPH_TEST/);
      for (const r of [hostEnv!, parentEnv!]) {
        expect(r.status).toBe("error");
        expect(r.reason).toMatch(/PermissionError: disabled in the sandbox: reading \/proc/);
      }
    } finally {
      delete process.env.OPENAI_API_KEY;
      delete process.env.TTS_GRAPH_TEST_SECRET;
    }
  });
});

describe("the grader", () => {
  it("reports each contained program as failed with the reason, and a correct one as passed", async () => {
    const outside = join(dir, "grader-target.txt");
    const cases: [string, RegExp][] = [
      ["while True:\n    pass", /^timeout: CPU time limit of 1s exceeded$/],
      ["x = []\nwhile True:\n    x.append(bytearray(10 ** 7))", /^memory: MemoryError/],
      ["import posix\nwhile True:\n    posix.fork()", /^error: PermissionError: disabled in the sandbox: creating processes/],
      ["import _socket\n_socket.socket()", /^error: PermissionError: disabled in the sandbox: network access/],
      [`open(${py(outside)}, "w").write("x")`, /^error: PermissionError: disabled in the sandbox: writing outside the program's directory/],
      ["import os\nassert 'OPENAI_API_KEY' in os.environ, 'no key'", /^failed: AssertionError: no key/],
    ];
    process.env.OPENAI_API_KEY = "sk-test-secret-123";
    try {
      const grades = await Promise.all(cases.map(([body], k) => gradeCode(item, completion(body), k === 1 ? roomy : sandbox)));
      grades.forEach((g, k) => {
        expect(g.correct, `case ${k}`).toBe(false);
        expect(g.reason, `case ${k}`).toMatch(cases[k]![1]);
      });
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
    expect(existsSync(outside)).toBe(false);
    // The host is unaffected: the sandbox still grades, and right code passes.
    const ok = await gradeCode(item, completion("import math"), sandbox);
    expect(ok).toMatchObject({ correct: true });
  });
});
