import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readRunDir, reportEvents } from "../../src/report/run-dir.js";
import { parseJournal } from "../../src/runs/journal.js";
import { tempDir } from "../helpers/tmp.js";
import { cutRun, rawEvents, searchRun } from "./runs.js";
import { userError } from "../helpers/errors.js";

/** The report's events of a log text, read as a run folder's journal is. */
const parseEventLog = (text: string, source: string) => reportEvents(parseJournal(text, source), source);


describe("reading a run directory", () => {
  let root: string;
  let run: string;
  let lines: string[];
  /** Events the report reads: all but the optimizer's internal state. */
  const unused = (type: unknown) => type === "optimizer.updated";
  const used = (ls: string[]) => ls.filter((l) => !unused((JSON.parse(l) as { type: string }).type)).length;
  beforeAll(async () => {
    root = tempDir("tts-graph-report-");
    run = await searchRun(join(root, "run"), ["--evals", "400"]);
    lines = readFileSync(join(run, "events.jsonl"), "utf8").split("\n").filter((l) => l !== "");
  });

  it("reads a finished run: every event, the result, the best graph and the config", () => {
    const r = readRunDir(run);
    expect(r.events.length).toBe(used(lines));
    expect(r.events.map((e) => e.seq)).toEqual(rawEvents(run).filter((e) => !unused(e.type)).map((e) => e.seq));
    const result = JSON.parse(readFileSync(join(run, "result.json"), "utf8"));
    expect(r.result?.best.hash).toBe(result.best.hash);
    expect(r.result?.cost.graphFlops).toBe(result.cost.graphFlops);
    expect(r.bestGraph?.nodes.map((n) => n.id)).toEqual(result.best.graph.nodes.map((n: { id: string }) => n.id));
    expect(r.config.evals).toBe(400);
    expect(r.notes).toEqual([]);
  });

  it("skips a torn last line, as a run killed mid-write leaves it, and says so", () => {
    const cut = join(root, "cut");
    const kept = cutRun(run, cut, 0.5);
    const r = readRunDir(cut);
    expect(r.result).toBeUndefined();
    expect(r.bestGraph).toBeUndefined();
    expect(r.events.length).toBe(used(kept));
    expect(r.notes.join("\n")).toMatch(new RegExp(`last line of .*events\\.jsonl \\(line ${kept.length + 1}\\) is incomplete`));
  });

  it("a broken line that is not the last is an error naming the line", () => {
    const text = [...lines.slice(0, 4), "{not json", ...lines.slice(4)].join("\n") + "\n";
    const err = userError(() => parseEventLog(text, "events.jsonl"));
    expect(err.message).toMatch(/events\.jsonl: line 5 is not valid JSON/);
  });

  it("an event with a bad field is an error naming the line and the field", () => {
    const i = lines.findIndex((l) => l.includes('"graph.proposed"'));
    const bad = JSON.parse(lines[i]!);
    bad.graph.nodes = [];
    const text = [...lines.slice(0, i), JSON.stringify(bad), ...lines.slice(i + 1)].join("\n") + "\n";
    const err = userError(() => parseEventLog(text, "events.jsonl"));
    expect(err.message).toContain(`events.jsonl:${i + 1}: invalid event`);
    expect(err.issues.map((x) => x.path)).toContain("graph.nodes");
  });

  it("skips event types it does not know, and refuses a newer event format", () => {
    const extra = JSON.stringify({ type: "checkpoint.saved", v: 1, seq: lines.length, iteration: 3 });
    const r = parseEventLog([...lines, extra].join("\n") + "\n", "events.jsonl");
    expect(r.events.length).toBe(used(lines));
    expect(r.notes).toEqual(["1 event of type checkpoint.saved unknown to this report; skipped"]);
    const newer = JSON.stringify({ ...JSON.parse(lines[1]!), v: 99 });
    expect(userError(() => parseEventLog([lines[0], newer].join("\n") + "\n", "events.jsonl")).message).toMatch(/events\.jsonl: line 2 has event format 99, newer than this tts-graph reads/);
  });

  it("a missing folder, a folder without config.json and a bad result.json are user errors", () => {
    expect(userError(() => readRunDir(join(root, "nope"))).message).toMatch(/does not exist/);
    const noConfig = join(root, "no-config");
    mkdirSync(noConfig);
    writeFileSync(join(noConfig, "events.jsonl"), lines.join("\n") + "\n");
    expect(userError(() => readRunDir(noConfig)).message).toMatch(/has no config\.json, so it is not a tts-graph run folder/);
    const broken = join(root, "broken");
    cutRun(run, broken, 1);
    const result = JSON.parse(readFileSync(join(run, "result.json"), "utf8"));
    result.cost = { graphFlops: "lots" };
    writeFileSync(join(broken, "result.json"), JSON.stringify(result));
    const err = userError(() => readRunDir(broken));
    expect(err.message).toMatch(/result\.json: invalid search result/);
    expect(err.issues.map((x) => x.path)).toContain("cost.graphFlops");
  });
});
