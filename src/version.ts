import { readFileSync } from "node:fs";

/**
 * The package version, read from package.json (one folder up from both src/ and dist/).
 *
 * @example
 * ```ts
 * import { VERSION } from "tts-graph";
 *
 * console.log(`tts-graph ${VERSION}`);
 * ```
 */
export const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
