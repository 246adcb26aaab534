/**
 * Stop sequences applied to a text as it streams: the text is passed on up to the first stop
 * sequence (which is not included), and a tail that could still become one is held back until the
 * next piece decides it. With no stop sequences every piece passes straight through.
 */
export class StopFilter {
  private seen = "";
  private passed = 0;
  /** True once a stop sequence was found: later pieces are dropped. */
  stopped = false;

  constructor(private readonly stops: readonly string[]) {}

  /** The part of the text that can be passed on now. */
  push(piece: string): string {
    if (this.stopped) return "";
    if (this.stops.length === 0) return piece;
    this.seen += piece;
    let cut = -1;
    for (const s of this.stops) {
      const at = this.seen.indexOf(s, Math.max(0, this.passed - s.length + 1));
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.stopped = true;
      return this.take(cut);
    }
    return this.take(this.seen.length - this.heldBack());
  }

  /** The rest of the text once the stream has ended. */
  end(): string {
    return this.stopped ? "" : this.take(this.seen.length);
  }

  /** Length of the longest tail of the text seen that is the start of a stop sequence. */
  private heldBack(): number {
    let hold = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, this.seen.length); k > hold; k--) {
        if (this.seen.endsWith(s.slice(0, k))) {
          hold = k;
          break;
        }
      }
    }
    return hold;
  }

  private take(upTo: number): string {
    const out = this.seen.slice(this.passed, Math.max(this.passed, upTo));
    this.passed = Math.max(this.passed, upTo);
    return out;
  }
}

/** A whole text cut at its first stop sequence; `stopped` says whether one was found. */
export function applyStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  const f = new StopFilter(stops);
  const out = f.push(text) + f.end();
  return { text: out, stopped: f.stopped };
}
