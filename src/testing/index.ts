/**
 * `tts-graph/testing`: stand-ins for models in your own tests. {@link scriptedProvider} answers in
 * process from a script; {@link startOpenAIServer} is a real HTTP server on 127.0.0.1 speaking the
 * OpenAI chat-completions protocol (plain and streaming), whose every reply, error status, hang or
 * broken connection a test can script. The package's own tests use the same server.
 */
export { scriptedProvider, type ScriptedProvider, type ScriptedReply, type Script } from "./scripted-provider.js";
export {
  startOpenAIServer,
  wordCount,
  type TestServer,
  type TestServerOptions,
  type Behaviour,
  type Handler,
  type RecordedRequest,
  type ChatRequestBody,
} from "./openai-server.js";
