/**
 * The official Python `openai` client against a served graph, installed into a virtual environment
 * by this test's set-up (`python3 -m venv` and `pip install openai`; kept in the system's temporary
 * folder for later runs). Skipped, with the reason printed, when Python, venv or the package cannot
 * be had. The Python script runs the loops of the client's documentation and prints what it saw.
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe, type ServeSession } from "../../src/cli/commands/serve.js";
import { resolveTask } from "../../src/resolve.js";
import { ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 240_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      resolve({ code: null, stdout: "", stderr: String(err) });
      return;
    }
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(err) });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A Python with the `openai` package, or why there is none. */
async function pythonWithOpenAI(): Promise<{ python: string } | { reason: string }> {
  const venv = join(tmpdir(), "tts-graph-python-openai");
  const python = join(venv, "bin", "python");
  if (existsSync(python) && (await run(python, ["-c", "import openai"])).code === 0) return { python };
  const made = await run("python3", ["-m", "venv", "--clear", venv]);
  if (made.code !== 0) return { reason: `cannot make a Python virtual environment (python3 -m venv: ${made.stderr.trim().split("\n").at(-1) ?? "failed"}); install python3 and python3-venv` };
  const pip = await run(join(venv, "bin", "pip"), ["install", "--quiet", "openai"], { PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_RETRIES: "0" });
  if (pip.code !== 0) return { reason: `pip install openai failed: ${pip.stderr.trim().split("\n").at(-1) ?? ""}` };
  return { python };
}

const SCRIPT = String.raw`
import json, os
from openai import OpenAI, AuthenticationError, BadRequestError, NotFoundError

base, model, q = os.environ["BASE_URL"], os.environ["MODEL"], os.environ["QUESTION"]
client = OpenAI(base_url=base, api_key="sekret", max_retries=0)
user = [{"role": "user", "content": q}]
out = {}

r = client.chat.completions.create(model=model, messages=user, seed=5)
out["plain"] = r.choices[0].message.content
out["usage"] = [r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens]

# The streaming loop of the client's README.
text = ""
stream = client.chat.completions.create(model=model, messages=user, seed=5, stream=True)
for chunk in stream:
    if chunk.choices[0].delta.content is not None:
        text += chunk.choices[0].delta.content
out["streamed"] = text

text, usage = "", None
stream = client.chat.completions.create(model=model, messages=user, seed=5, stream=True, stream_options={"include_usage": True})
for chunk in stream:
    if chunk.usage is not None:
        usage = [chunk.usage.prompt_tokens, chunk.usage.completion_tokens, chunk.usage.total_tokens]
    if chunk.choices:
        text += chunk.choices[0].delta.content or ""
out["streamed_with_usage"] = [text, usage]

r = client.chat.completions.create(model=model, seed=5, messages=[
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "an earlier question"},
    {"role": "assistant", "content": "an earlier answer"},
    {"role": "user", "content": q},
])
out["history"] = r.choices[0].message.content

seeded = [client.chat.completions.create(model=model, messages=user, seed=8).choices[0].message.content for _ in range(2)]
unseeded = [client.chat.completions.create(model=model, messages=user).model_extra["tts_graph"]["seed"] for _ in range(3)]
out["seeds"] = [seeded[0] == seeded[1], len(set(unseeded))]

c = client.completions.create(model=model, prompt=q, seed=5)
out["completion"] = c.choices[0].text

try:
    OpenAI(base_url=base, api_key="wrong", max_retries=0).models.list()
    out["auth"] = "no error"
except AuthenticationError as e:
    out["auth"] = [e.status_code, e.code]

try:
    client.chat.completions.create(model=model, messages=user, logprobs=True)
    out["logprobs"] = "no error"
except BadRequestError as e:
    out["logprobs"] = [e.status_code, e.param]

try:
    client.chat.completions.create(model="nope", messages=user)
    out["not_found"] = "no error"
except NotFoundError as e:
    out["not_found"] = [e.status_code, e.code]

print(json.dumps(out))
`;

const py = await pythonWithOpenAI();
if ("reason" in py) console.log(`skipping the Python client tests: ${py.reason}`);

describe.skipIf("reason" in py)("the official Python openai client", () => {
  const dir = tempDir();
  const item = resolveTask("sim:math", { seed: 0 }).items("test")[0]!;
  let session: ServeSession;
  let node: OpenAI;

  beforeAll(async () => {
    session = await startServe([join(ROOT, "examples", "graphs", "chain.json")], { task: "sim:math", pool: "sim:llama", host: "127.0.0.1", port: 0, cache: false, apiKey: "sekret" });
    node = new OpenAI({ baseURL: `${session.server.url}/v1`, apiKey: "sekret", maxRetries: 0 });
  });
  afterAll(async () => session?.close());

  it("gets the answers the Node client gets: plain, streamed, with usage, with history, seeded, completions, and the errors", async () => {
    const script = join(dir, "client.py");
    writeFileSync(script, SCRIPT);
    const r = await run((py as { python: string }).python, [script], { BASE_URL: `${session.server.url}/v1`, MODEL: "chain", QUESTION: item.question }, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    const expected = await node.chat.completions.create({ model: "chain", messages: [{ role: "user", content: item.question }], seed: 5 });
    const text = expected.choices[0]!.message.content;
    const usage = [expected.usage!.prompt_tokens, expected.usage!.completion_tokens, expected.usage!.total_tokens];
    expect(out.plain).toBe(text);
    expect(out.usage).toEqual(usage);
    expect(out.streamed).toBe(text);
    expect(out.streamed_with_usage).toEqual([text, usage]);
    expect(out.history).toBe(text);
    expect(out.seeds).toEqual([true, 3]);
    expect(out.completion).toBe(text);
    expect(out.auth).toEqual([401, "invalid_api_key"]);
    expect(out.logprobs).toEqual([400, "logprobs"]);
    expect(out.not_found).toEqual([404, "model_not_found"]);
  });
});
