/**
 * Physical line counting shared by the readers.
 *
 * A line break is `\n`, `\r\n` or a lone `\r` (old Mac / some Excel exports),
 * the same three record delimiters the CSV reader accepts, so every line number
 * we print matches what a text editor shows.
 */

/** Number of line breaks in `text[start, end)`. A `\r\n` pair counts once. */
export function countLineBreaks(text: string, start = 0, end = text.length): number {
  if (start === 0 && end >= text.length) return countAllLineBreaks(text);
  // A plain loop: indexOf would scan past `end` (to the end of a huge text) when
  // the range holds no `\r`, which made per-record counting quadratic.
  let breaks = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) breaks++;
    // Lone CR only: a CR followed by LF is counted through its LF. A CR at
    // `end - 1` whose LF lies outside the range still ends a line.
    else if (c === 13 && (i + 1 >= end || text.charCodeAt(i + 1) !== 10)) breaks++;
  }
  return breaks;
}

/**
 * Line breaks in the whole of `text`, by native searches: the decoder counts
 * every chunk of the file (for the line of an encoding error), and on the
 * 100,000-row bench file (6 MB) this took 1-9 ms where the loop below took 10-18.
 */
function countAllLineBreaks(text: string): number {
  let breaks = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) breaks++;
  // Lone CRs only: most files have none, and then this is one search.
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) if (text.charCodeAt(i + 1) !== 10) breaks++;
  return breaks;
}

/** 1-based line of the character at `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  return 1 + countLineBreaks(text, 0, Math.min(offset, text.length));
}

/**
 * Counts lines across a stream of text chunks, remembering a trailing `\r` so a
 * `\r\n` pair split over two chunks still counts as one break.
 */
export class LineTracker {
  /** Line breaks seen so far. */
  private breaks = 0;
  private endsWithCr = false;

  /** 1-based line of `chunk[offset]`, for the chunk about to be (or not yet) fed. */
  lineIn(chunk: string, offset: number): number {
    let breaks = this.breaks + countLineBreaks(chunk, 0, offset);
    // A CR closing the previous chunk was counted as a lone CR; if this chunk
    // opens with its LF, the pair is one break, not two.
    if (this.endsWithCr && offset > 0 && chunk.charCodeAt(0) === 10) breaks--;
    return breaks + 1;
  }

  feed(chunk: string): void {
    if (chunk.length === 0) return;
    this.breaks = this.lineIn(chunk, chunk.length) - 1;
    this.endsWithCr = chunk.charCodeAt(chunk.length - 1) === 13;
  }

  /** 1-based line of the next character to be fed. */
  get line(): number {
    return this.breaks + 1;
  }
}

/** 1-based line of any offset of `text`, by binary search over the line starts (for many lookups in one text). */
export function lineLocator(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
