/**
 * The phone's accelerometer through the browser's `devicemotion` events: permission (iOS asks from a tap),
 * sensor detection, and samples `[t_ms, ax, ay, az]` with t_ms = performance.timeOrigin + event.timeStamp
 * (milliseconds since the Unix epoch, on the page's monotonic clock) and acceleration including gravity.
 */
import type { Sample } from './protocol';

export type MotionPermission = 'granted' | 'denied' | 'unsupported';

interface IosDeviceMotionEvent {
  requestPermission?: () => Promise<'granted' | 'denied'>;
}

/** Whether the browser knows motion events at all (desktops usually do, but never fire them). */
export function hasMotionApi(): boolean {
  return typeof window !== 'undefined' && 'DeviceMotionEvent' in window;
}

/** Motion sensors need a secure context (HTTPS or localhost). */
export function isSecure(): boolean {
  return typeof window !== 'undefined' && window.isSecureContext;
}

/** Must be called from a user gesture (a tap) so iOS shows its permission prompt. */
export async function requestMotionPermission(): Promise<MotionPermission> {
  if (!hasMotionApi()) return 'unsupported';
  const ctor = window.DeviceMotionEvent as unknown as IosDeviceMotionEvent;
  if (typeof ctor.requestPermission !== 'function') return 'granted';
  try {
    return (await ctor.requestPermission()) === 'granted' ? 'granted' : 'denied';
  } catch {
    return 'denied';
  }
}

/** The sample in an event, or null when the event carries no acceleration (no sensor). */
export function sampleFromEvent(event: DeviceMotionEvent): Sample | null {
  const a = event.accelerationIncludingGravity;
  if (!a || a.x === null || a.y === null || a.z === null) return null;
  return [performance.timeOrigin + event.timeStamp, a.x, a.y, a.z];
}

/** Listen for samples; returns the function that stops listening. */
export function listenMotion(onSample: (sample: Sample) => void): () => void {
  const handler = (event: DeviceMotionEvent) => {
    const sample = sampleFromEvent(event);
    if (sample) onSample(sample);
  };
  window.addEventListener('devicemotion', handler);
  return () => window.removeEventListener('devicemotion', handler);
}

/**
 * Resolve true as soon as a motion event with acceleration arrives, false after `timeoutMs` without one
 * (a desktop browser has the API but no sensor).
 */
export function detectSensor(timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    let stop: () => void = () => undefined;
    const timer = setTimeout(() => {
      stop();
      resolve(false);
    }, timeoutMs);
    stop = listenMotion(() => {
      clearTimeout(timer);
      stop();
      resolve(true);
    });
  });
}

/** Hold a screen wake lock while recording; re-acquired when the page becomes visible again. */
export class ScreenWakeLock {
  private sentinel: WakeLockSentinel | null = null;
  private wanted = false;
  private readonly onVisible = () => {
    if (this.wanted && document.visibilityState === 'visible') void this.acquire();
  };

  get supported(): boolean {
    return typeof navigator !== 'undefined' && 'wakeLock' in navigator;
  }

  async hold(): Promise<boolean> {
    this.wanted = true;
    document.addEventListener('visibilitychange', this.onVisible);
    return this.acquire();
  }

  release(): void {
    this.wanted = false;
    document.removeEventListener('visibilitychange', this.onVisible);
    void this.sentinel?.release().catch(() => undefined);
    this.sentinel = null;
  }

  private async acquire(): Promise<boolean> {
    if (!this.supported) return false;
    try {
      this.sentinel = await navigator.wakeLock.request('screen');
      return true;
    } catch {
      return false;
    }
  }
}
