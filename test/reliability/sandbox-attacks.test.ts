/**
 * Programs written to defeat the code sandbox rather than by accident: a hard link to overwrite a
 * file outside the program's folder, the host's environment read through /proc by relative paths,
 * links or directory descriptors, a forged pass written to the runner's result channel, and frames
 * walked to reach the runner's state. Plus what honest programs need: threads (as the reference
 * HumanEval harness allows) and a verdict that does not depend on the machine's load. Each runs in
 * every isolation mode the machine offers (bubblewrap only where it works).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gradeCode } from "../../src/tasks/grade.js";
import { bwrapAvailable, resolvePython, Sandbox, type SandboxMode } from "../../src/tasks/sandbox.js";
import type { TaskItem } from "../../src/tasks/types.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("tts-graph-attack-");
const py = JSON.stringify;
const modes: SandboxMode[] = bwrapAvailable(resolvePython(process.env.TTS_GRAPH_PYTHON ?? "python3")) ? ["process", "bwrap"] : ["process"];
if (modes.length === 1) console.log("bubblewrap is not available here: the attacks run against the plain process sandbox only");

/** A HumanEval-style item whose tests fail for a wrong answer (add_one returning x). */
const item: TaskItem = {
  id: "he-attack",
  question: 'def add_one(x):\n    """Return x + 1."""\n',
  answer: "",
  meta: { entry_point: "add_one", test: "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(-1) == 0\n" },
};
/** A wrong solution that first runs `attack` at import time. */
const wrong = (attack: string) => "```python\n" + attack + "\ndef add_one(x):\n    return x\n```";
const right = (body: string) => "```python\n" + body + "\n```";

describe.each(modes)("the %s sandbox", (mode) => {
  const sandbox = new Sandbox({ timeoutMs: 2000, memoryMb: 512, isolation: mode });

  it("reports the mode it runs in", () => {
    expect(sandbox.mode()).toBe(mode);
  });

  it("a hard link cannot carry a write outside the program's folder, and the program is not graded correct", async () => {
    const victim = join(dir, `victim-${mode}.txt`);
    writeFileSync(victim, "original");
    const attacks = [
      `import os\nos.link(${py(victim)}, "l")\nopen("l", "w").write("pwned")\n`,
      `import posix\nposix.link(${py(victim)}, "l")\nopen("l", "w").write("pwned")\n`,
    ];
    for (const attack of attacks) {
      const g = await gradeCode(item, right(attack + "def add_one(x):\n    return x + 1"), sandbox);
      expect(g.correct, g.reason).toBe(false);
      if (mode === "process") expect(g.reason).toMatch(/disabled in the sandbox: creating links|NoneType/);
    }
    expect(readFileSync(victim, "utf8")).toBe("original");
  });

  it("a forged result written to the runner's channel, then an exit, is not a pass", async () => {
    const forged = py(JSON.stringify({ status: "passed", reason: "", ms: 1 }));
    const attacks = [
      // Every descriptor the result pipe could be, then leave before the tests run.
      `import os\nfor fd in range(0, 256):\n    try:\n        os.write(fd, ${forged}.encode())\n    except OSError:\n        pass\nos._exit(0)`,
      // Walk up to the runner's frames for anything that looks like a secret or a lock to release.
      [
        "import sys, os",
        "f = sys._getframe()",
        "while f is not None:",
        "    for k, v in list(f.f_locals.items()):",
        "        if isinstance(v, str) and len(v) == 32:",
        "            for fd in range(3, 64):",
        "                try:",
        `                    os.write(fd, (v + ${forged}).encode())`,
        "                except OSError:",
        "                    pass",
        "        if isinstance(v, list) and len(v) == 2:",
        "            v[0], v[1] = 'passed', ''",
        "        if hasattr(v, 'release') and hasattr(v, 'locked') and v.locked():",
        "            v.release()",
        "    f = f.f_back",
        "import time",
        "time.sleep(0.5)",
        "os._exit(0)",
      ].join("\n"),
      // Swap the runner's failure path for its success path.
      "import sys\nm = sys.modules['__main__']\nm.park_failed.__code__ = m.park_passed.__code__\n",
      "import sys\nm = sys.modules['__main__']\nm.park_failed = m.park_passed\nm.FAILED_CODE = m.PASSED_CODE\n",
      // Read the runner's memory, or the frames of its other thread.
      "import sys\nsys._current_frames()\n",
      "import gc\ngc.get_objects()\n",
      "import sys\nsys.settrace(lambda *a: None)\n",
      "open('/proc/self/mem', 'rb')\n",
    ];
    for (const [k, attack] of attacks.entries()) {
      const g = await gradeCode(item, wrong(attack), sandbox);
      expect(g.correct, `attack ${k}: ${g.reason}`).toBe(false);
    }
  });

  it("threads work as in the reference harness: ThreadPoolExecutor and threading.Thread", async () => {
    const pool = [
      "from concurrent.futures import ThreadPoolExecutor",
      "def add_one(x):",
      "    with ThreadPoolExecutor(max_workers=4) as ex:",
      "        return list(ex.map(lambda v: v + 1, [x]))[0]",
    ].join("\n");
    const thread = [
      "import threading",
      "def add_one(x):",
      "    out = []",
      "    t = threading.Thread(target=lambda: out.append(x + 1))",
      "    t.start()",
      "    t.join()",
      "    return out[0]",
    ].join("\n");
    for (const body of [pool, thread]) {
      const g = await gradeCode(item, right(body), sandbox);
      expect(g, g.reason).toMatchObject({ correct: true });
    }
  });

  it("CPU time, not wall-clock time, is the limit: a waiting program passes, a spinning one stops", async () => {
    const [waits, spins] = await sandbox.runAll(["import time\ntime.sleep(2.5)\n", "while True:\n    pass\n"]);
    expect(waits, waits!.reason).toMatchObject({ status: "passed" });
    expect(waits!.ms).toBeGreaterThanOrEqual(2500);
    expect(spins).toMatchObject({ status: "timeout", reason: "CPU time limit of 2s exceeded" });
  });
});

describe("the host's secrets", () => {
  it("no process environment on the machine is readable, by relative path, link or directory descriptor", () => {
    // A host process started with the secret in its environment (as an API key would be) runs
    // programs that hunt for it; /proc/PID/environ shows the environment a process started with.
    const hunt = [
      "import os",
      "reads, found, up = 0, [], '../' * 16",
      "routes = [lambda p: open(up + 'proc/%s/environ' % p, 'rb').read()]",
      "routes.append(lambda p: open('/proc/%s/environ' % p, 'rb').read())",
      "def via_link(p):",
      "    try:",
      "        os.symlink('/proc', 'p')",
      "    except FileExistsError:",
      "        pass",
      "    return open('p/%s/environ' % p, 'rb').read()",
      "routes.append(via_link)",
      "def via_dirfd(p):",
      "    fd = os.open('/', os.O_RDONLY)",
      "    return os.read(os.open('proc/%s/environ' % p, os.O_RDONLY, dir_fd=fd), 1 << 20)",
      "routes.append(via_dirfd)",
      "pids = [p for p in os.listdir('/proc') if p.isdigit()]",
      "for p in pids:",
      "    for route in routes:",
      "        try:",
      "            data = route(p)",
      "        except BaseException:",
      "            continue",
      "        reads += 1",
      "        if b'hunter2-secret' in data:",
      "            found.append(p)",
      "assert False, 'reads=%d found=%d' % (reads, len(found))",
    ].join("\n");
    const script = [
      `import { Sandbox } from ${py(join(process.cwd(), "dist/tasks/sandbox.js"))};`,
      "const out = [];",
      `for (const isolation of ${py(modes)}) out.push((await new Sandbox({ isolation }).run(${py(hunt + "\n")})).reason);`,
      "console.log(JSON.stringify(out));",
    ].join("\n");
    const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, TTS_GRAPH_TEST_API_KEY: "hunter2-secret" },
    });
    const reasons = JSON.parse(stdout) as string[];
    expect(reasons).toHaveLength(modes.length);
    for (const r of reasons) expect(r).toMatch(/AssertionError: reads=0 found=0/);
  });
});
