/** The event journal: torn last lines, damaged lines, and the writer's resume mode. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { journalLine, JournalWriter, parseJournal, readJournal } from "../../src/runs/journal.js";
import type { RecordedEvent } from "../../src/search/events.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();

function events(n: number, tag = "a"): RecordedEvent[] {
  return Array.from({ length: n }, (_, i) => ({ type: "agent.feedback", iteration: i, agent: "rules", text: `${tag}${i}`, v: 1, seq: i }) as RecordedEvent);
}
const text = (evs: RecordedEvent[]) => evs.map((e) => journalLine(e) + "\n").join("");

describe("reading a journal", () => {
  it("reads every complete line, with each line's end offset", () => {
    const evs = events(3);
    const r = parseJournal(text(evs), "events.jsonl");
    expect(r.events.map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(r.torn).toBeUndefined();
    expect(r.validBytes).toBe(Buffer.byteLength(text(evs)));
    expect(r.ends[0]).toBe(Buffer.byteLength(journalLine(evs[0]!)) + 1);
  });

  it("drops a torn last line (a write cut short by a crash) and says so", () => {
    const full = text(events(3));
    const torn = full + journalLine(events(4)[3]!).slice(0, 17);
    const r = parseJournal(torn, "events.jsonl");
    expect(r.events).toHaveLength(3);
    expect(r.torn).toEqual({ line: 4, bytes: 17 });
    expect(r.validBytes).toBe(Buffer.byteLength(full));
    // A complete line whose newline never got written is dropped too: it is produced again on resume.
    const noNewline = parseJournal(full + journalLine(events(4)[3]!), "events.jsonl");
    expect(noNewline.events).toHaveLength(3);
    expect(noNewline.torn?.line).toBe(4);
  });

  it("refuses damage before the last line, naming the file and line", () => {
    const lines = text(events(3)).split("\n");
    lines[1] = lines[1]!.slice(0, 10);
    const err = (() => {
      try {
        parseJournal(lines.join("\n"), "run/events.jsonl");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/run\/events\.jsonl: line 2 is not valid JSON/);
  });

  it("refuses lost or duplicated events (a gap in seq) and events of a newer format", () => {
    const evs = events(3);
    expect(() => parseJournal(text([evs[0]!, evs[2]!]), "e.jsonl")).toThrow(/line 2 has seq 2, expected 1/);
    expect(() => parseJournal(text([evs[0]!, evs[0]!]), "e.jsonl")).toThrow(/line 2 has seq 0, expected 1/);
    expect(() => parseJournal(text([{ ...evs[0]!, v: 99 }]), "e.jsonl")).toThrow(/event format 99, newer/);
    expect(() => parseJournal('{"hello":1}\n', "e.jsonl")).toThrow(/line 1 is not a recorded event/);
  });

  it("reads a missing journal as empty", () => {
    expect(readJournal(join(dir, "nothing.jsonl")).events).toEqual([]);
  });
});

describe("writing a journal", () => {
  it("appends and reads back what it wrote", () => {
    const path = join(dir, "w1.jsonl");
    const w = new JournalWriter(path);
    for (const e of events(4)) w.append(e);
    w.close();
    expect(readFileSync(path, "utf8")).toBe(text(events(4)));
    // Events after close are ignored.
    w.append(events(5)[4]!);
    expect(readJournal(path).events).toHaveLength(4);
  });

  it("on resume, confirms the stored events without writing them, cuts a torn tail, then appends", () => {
    const path = join(dir, "w2.jsonl");
    const all = events(6);
    writeFileSync(path, text(all.slice(0, 3)) + journalLine(all[3]!).slice(0, 9));
    const existing = readJournal(path);
    const w = new JournalWriter(path, { existing });
    expect(w.pending).toBe(3);
    for (const e of all) w.append(e);
    expect(w.pending).toBe(0);
    w.close({ complete: true });
    expect(readFileSync(path, "utf8")).toBe(text(all));
    expect(w.divergedAt).toBeUndefined();
  });

  it("when the re-run differs from the log, keeps the agreeing part and writes the re-run's events from there", () => {
    const path = join(dir, "w3.jsonl");
    writeFileSync(path, text(events(5, "old")));
    const w = new JournalWriter(path, { existing: readJournal(path) });
    const now = [...events(2, "old"), ...events(4, "new").slice(2)];
    for (const e of now) w.append(e);
    w.close({ complete: true });
    expect(w.divergedAt).toBe(2);
    expect(readFileSync(path, "utf8")).toBe(text(now));
  });

  it("an interrupted resume leaves the stored events it has not reached; a finished one cuts them", () => {
    const path = join(dir, "w4.jsonl");
    writeFileSync(path, text(events(5)));
    const w = new JournalWriter(path, { existing: readJournal(path) });
    for (const e of events(2)) w.append(e);
    w.close();
    expect(readJournal(path).events).toHaveLength(5);
    const w2 = new JournalWriter(path, { existing: readJournal(path) });
    for (const e of events(3)) w2.append(e);
    w2.close({ complete: true });
    expect(readFileSync(path, "utf8")).toBe(text(events(3)));
  });
});
