/**
 * Reconnect delays: exponential from `initialMs`, capped at `maxMs`, with jitter (50–100 % of the step) so a
 * server restart is not met by every client at the same instant.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 500,
    private readonly maxMs = 10_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** Attempts since the last success. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt, in ms; counts the attempt. */
  next(): number {
    const step = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt += 1;
    return Math.round(step * (0.5 + this.random() * 0.5));
  }

  reset(): void {
    this.attempt = 0;
  }
}
