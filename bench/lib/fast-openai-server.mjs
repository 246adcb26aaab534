// A minimal OpenAI-compatible server that answers every chat completion at once with the same small
// body: what is left of a call's time is the client's and the executor's own. Run as a child process
// by bench/exec.mjs, so its CPU time is not counted as the client's; prints its port on stdout.
import { createServer } from "node:http";

const body = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 0,
  model: "bench",
  choices: [{ index: 0, message: { role: "assistant", content: "The answer is 42." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 24, completion_tokens: 6, total_tokens: 30 },
});

const server = createServer((req, res) => {
  req.on("data", () => {});
  req.on("end", () => {
    if (req.method === "POST" && req.url?.endsWith("/chat/completions")) {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    } else {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":{"message":"not found"}}');
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
process.on("disconnect", () => server.close(() => process.exit(0)));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
