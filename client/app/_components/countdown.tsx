'use client';

import { useEffect, useRef, useState } from 'react';

/** A few seconds to put the phone in place and lie still before samples count. */
export function Countdown({ seconds, onDone }: { seconds: number; onDone: () => void }) {
  const [left, setLeft] = useState(seconds);
  // The parent re-renders several times a second; keep the latest callback without restarting the timer.
  const done = useRef(onDone);
  useEffect(() => {
    done.current = onDone;
  }, [onDone]);
  useEffect(() => {
    if (left <= 0) {
      done.current();
      return;
    }
    const t = setTimeout(() => setLeft(left - 1), 1000);
    return () => clearTimeout(t);
  }, [left]);

  return (
    <section className="card stack" aria-labelledby="countdown-title" aria-live="polite">
      <h1 id="countdown-title">Place the phone on your chest</h1>
      <p className="muted">Flat on the lower breastbone, screen up. Lie back and breathe calmly.</p>
      <div className="countdown" aria-label={`Recording starts in ${left} seconds`}>
        {left}
      </div>
      <button type="button" className="btn" onClick={() => setLeft(0)}>
        Start now
      </button>
    </section>
  );
}
