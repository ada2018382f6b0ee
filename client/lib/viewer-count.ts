/**
 * The phone's "Watching" count: how many clinicians watch this recording. The capture socket does not carry
 * `status` messages (the protocol sends them to watch sockets only), so the phone asks `GET …/sessions/{id}`
 * (its `viewers` field) every two seconds, and at once when its capture socket (re)connects.
 *
 * Answers can come back out of order on a slow mobile network; only the answer to the newest request that has
 * answered so far is shown, so an old "0 watching" never replaces a newer count.
 */

export interface ViewerCountOptions {
  /** Ask the server how many viewers watch now. */
  fetchViewers: () => Promise<number>;
  onCount: (viewers: number) => void;
  /** Between two requests; each costs the server one small metadata read. */
  intervalMs?: number;
}

export const VIEWER_POLL_MS = 2000;

export class ViewerCount {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Number of requests made so far, and the number of the newest one whose answer is shown. */
  private asked = 0;
  private shown = 0;
  private disposed = false;

  constructor(private readonly opts: ViewerCountOptions) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.opts.intervalMs ?? VIEWER_POLL_MS);
  }

  /** Ask now; resolves once this request is answered (or has failed). */
  async refresh(): Promise<void> {
    if (this.disposed) return;
    this.asked += 1;
    const request = this.asked;
    let viewers: number;
    try {
      viewers = await this.opts.fetchViewers();
    } catch {
      return; // keep the last count; the next request tries again
    }
    if (this.disposed || request < this.shown) return; // a newer answer is already shown
    this.shown = request;
    this.opts.onCount(viewers);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
