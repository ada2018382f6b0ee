/**
 * A fixed-capacity ring of numeric rows (e.g. t_ms, ax, ay, az, filtered) in one Float64Array. Samples are
 * written here as they arrive and read by the chart once per animation frame, never through React state.
 */
export class RingBuffer {
  private readonly data: Float64Array;
  private start = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly columns: number,
  ) {
    if (!(capacity > 0 && columns > 0)) throw new RangeError('capacity and columns must be positive');
    this.data = new Float64Array(capacity * columns);
  }

  get length(): number {
    return this.count;
  }

  /** Append one row; when full the oldest row is overwritten. */
  push(row: ArrayLike<number>): void {
    const end = (this.start + this.count) % this.capacity;
    const base = end * this.columns;
    for (let c = 0; c < this.columns; c += 1) this.data[base + c] = row[c] ?? Number.NaN;
    if (this.count < this.capacity) this.count += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** Value of column `c` of the i-th oldest row. */
  at(i: number, c: number): number {
    if (i < 0 || i >= this.count) return Number.NaN;
    return this.data[((this.start + i) % this.capacity) * this.columns + c] ?? Number.NaN;
  }

  /** The last row's column `c`, or NaN when empty. */
  last(c: number): number {
    return this.at(this.count - 1, c);
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }

  /**
   * Copy the rows whose column `keyColumn` is ≥ `from` (rows are assumed sorted by it) into one array per
   * column, oldest first — the shape uPlot wants.
   */
  columnsSince(from: number, keyColumn = 0): Float64Array[] {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid, keyColumn) < from) lo = mid + 1;
      else hi = mid;
    }
    const n = this.count - lo;
    const out = Array.from({ length: this.columns }, () => new Float64Array(n));
    for (let i = 0; i < n; i += 1) {
      const base = ((this.start + lo + i) % this.capacity) * this.columns;
      for (let c = 0; c < this.columns; c += 1) (out[c] as Float64Array)[i] = this.data[base + c] ?? Number.NaN;
    }
    return out;
  }
}
