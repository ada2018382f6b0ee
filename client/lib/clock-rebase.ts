/**
 * Re-basing the phone's timestamps when the server refuses them (docs/protocol.md, "A phone clock far off" and
 * "Recovering from a phone clock that jumped backwards"): the refused batch is kept and moved in time by one
 * offset — its intervals unchanged — so that it ends near the server's clock (`serverTimeMs` of the
 * `invalid_samples` error) and starts after the last `t_ms` the server stored. Later batches get the same offset.
 */
import type { Sample } from './protocol';

/** An offset above this means the phone's clock is wrong, not merely a little off: the patient is told. */
export const CLOCK_NOTICE_MS = 60_000;

/** The samples with `offsetMs` added to every `t_ms` (the same array when the offset is 0). */
export function shiftSamples(samples: Sample[], offsetMs: number): Sample[] {
  if (offsetMs === 0) return samples;
  return samples.map(([t, ax, ay, az]) => [t + offsetMs, ax, ay, az]);
}

/**
 * The offset to add to the phone's own `t_ms` of a refused batch so the server accepts it, or null when moving
 * it in time cannot help (the refusal has another cause, or the offset in use already is that one).
 *
 * @param samples the batch as recorded (the phone's clock), in increasing `t_ms`
 * @param currentOffsetMs the offset it was sent with
 * @param serverTimeMs the server's clock when it refused the batch, when the refusal says it
 * @param lastStoredTMs the last `t_ms` the server stored for this session, when known
 */
export function rebaseOffset(
  samples: Sample[],
  currentOffsetMs: number,
  serverTimeMs: number | null,
  lastStoredTMs: number | null,
): number | null {
  const first = samples[0]?.[0];
  const last = samples[samples.length - 1]?.[0];
  if (first === undefined || last === undefined) return null;
  let offsetMs = serverTimeMs !== null ? serverTimeMs - last : currentOffsetMs;
  if (lastStoredTMs !== null && first + offsetMs <= lastStoredTMs) {
    // Start one sample interval after what is stored (1 ms for a batch of one sample).
    const stepMs = samples.length > 1 ? (last - first) / (samples.length - 1) : 1;
    offsetMs = lastStoredTMs + Math.max(stepMs, 0.001) - first;
  }
  return offsetMs === currentOffsetMs ? null : offsetMs;
}
