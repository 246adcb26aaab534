/**
 * Stop sequences on streamed text: however the text is cut into pieces, what passes is the text up
 * to the first stop sequence, and nothing is held back once the stream ends.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyStop, StopFilter } from "../../src/serve/stop.js";

/** The text before the earliest occurrence of any stop sequence. */
function reference(text: string, stops: string[]): string {
  const at = stops.map((s) => text.indexOf(s)).filter((i) => i >= 0);
  return at.length === 0 ? text : text.slice(0, Math.min(...at));
}

describe("stop sequences", () => {
  it("cut a streamed text where they cut the whole text, whatever the pieces", () => {
    const small = fc.string({ unit: fc.constantFrom("a", "b", "c"), maxLength: 40 });
    fc.assert(
      fc.property(small, fc.array(fc.string({ unit: fc.constantFrom("a", "b", "c"), minLength: 1, maxLength: 4 }), { maxLength: 4 }), fc.array(fc.nat(40), { maxLength: 8 }), (text, stops, cuts) => {
        const f = new StopFilter(stops);
        const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b);
        let out = "";
        let from = 0;
        for (const p of [...points, text.length]) {
          out += f.push(text.slice(from, p));
          from = p;
        }
        out += f.end();
        expect(out).toBe(reference(text, stops));
        expect(f.stopped).toBe(out.length < text.length);
        expect(applyStop(text, stops)).toEqual({ text: reference(text, stops), stopped: reference(text, stops).length < text.length });
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  it("hold back only a tail that could still become a stop sequence", () => {
    const f = new StopFilter(["END"]);
    expect(f.push("the answer is 4 E")).toBe("the answer is 4 ");
    expect(f.push("N")).toBe("");
    expect(f.push("X")).toBe("ENX");
    expect(f.push(" more END and after")).toBe(" more ");
    expect(f.push("ignored")).toBe("");
    expect(f.end()).toBe("");
  });
});
