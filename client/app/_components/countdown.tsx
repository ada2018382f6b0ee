'use client';

import { useEffect, useState } from 'react';

/** A few seconds to put the phone in place and lie still before samples count. */
export function Countdown({ seconds, onDone }: { seconds: number; onDone: () => void }) {
  const [left, setLeft] = useState(seconds);
  useEffect(() => {
    if (left <= 0) {
      onDone();
      return;
    }
    const t = setTimeout(() => setLeft(left - 1), 1000);
    return () => clearTimeout(t);
  }, [left, onDone]);

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
