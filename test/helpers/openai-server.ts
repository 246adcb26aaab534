/** The fake OpenAI-compatible server of the package's `testing` entry, which the tests use too. */
export * from "../../src/testing/openai-server.js";
