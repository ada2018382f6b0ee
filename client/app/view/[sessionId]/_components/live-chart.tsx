'use client';

/**
 * The clinician's waveform with its controls: band-passed SCG or raw axes, live sweep or paused, window
 * length (zoom), and a slider to scroll back over the whole session. Keyboard: Space pauses, ←/→ scroll,
 * +/− zoom, when the chart area has focus.
 */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';

import { fmtDuration } from '@/app/_components/format';
import { ScgChart, type ChartSeries } from '@/app/_components/scg-chart';
import type { Trace, TraceMode, TraceWindow } from '@/lib/trace';

const SPANS_S = [5, 10, 30, 60];
const SCG_SERIES: ChartSeries[] = [{ label: 'SCG z, 5–30 Hz', color: '#0e6e6a' }];
const RAW_SERIES: ChartSeries[] = [
  { label: 'x', color: '#2563a8' },
  { label: 'y', color: '#a35c00' },
  { label: 'z', color: '#0e6e6a' },
];

interface Props {
  trace: Trace;
  durationS: number;
  ended: boolean;
}

interface View {
  mode: TraceMode;
  paused: boolean;
  spanS: number;
  /** The end of the window when paused, in seconds since the first sample. */
  endS: number;
}

export function LiveChart({ trace, durationS, ended }: Props) {
  const [view, setView] = useState<View>({ mode: 'scg', paused: false, spanS: 10, endS: 0 });
  // Once the recording has ended there is nothing live to follow: show it as a review.
  const effective: View = ended && !view.paused ? { ...view, paused: true, endS: durationS } : view;
  const current = useRef(effective);
  useEffect(() => {
    current.current = effective;
  });
  const lastKey = useRef('');

  const getFrame = useCallback((): TraceWindow | null => {
    const v = current.current;
    const key = v.paused ? `p|${v.mode}|${v.spanS}|${v.endS}|${trace.version}` : `l|${v.mode}|${v.spanS}|${trace.version}`;
    if (key === lastKey.current) return null;
    lastKey.current = key;
    if (v.paused) return trace.historyWindow(Math.max(0, v.endS - v.spanS), v.spanS, v.mode);
    if (v.spanS <= 10) return trace.liveWindow(v.spanS, v.mode);
    const end = trace.durationS;
    return trace.historyWindow(Math.max(0, end - v.spanS), Math.max(v.spanS, 0), v.mode);
  }, [trace]);

  const update = (patch: Partial<View>) => setView({ ...effective, ...patch });
  const togglePause = () => update(effective.paused ? { paused: false } : { paused: true, endS: durationS });
  const scroll = (deltaS: number) =>
    update({ paused: true, endS: Math.min(durationS, Math.max(effective.spanS, effective.endS + deltaS)) });
  const zoom = (step: number) => {
    const i = Math.min(SPANS_S.length - 1, Math.max(0, SPANS_S.indexOf(effective.spanS) + step));
    update({ spanS: SPANS_S[i] ?? 10 });
  };

  const onKey = (e: KeyboardEvent) => {
    const actions: Record<string, () => void> = {
      ...(ended ? {} : { ' ': togglePause }),
      ArrowLeft: () => scroll(-effective.spanS / 2),
      ArrowRight: () => scroll(effective.spanS / 2),
      '+': () => zoom(-1),
      '=': () => zoom(-1),
      '-': () => zoom(1),
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  };

  const canFollow = !ended;
  return (
    <section className="card stack" aria-labelledby="chart-title">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="chart-title" style={{ margin: 0 }}>
          {effective.mode === 'scg' ? 'Seismocardiogram (band-passed 5–30 Hz)' : 'Raw acceleration (mean removed)'}
        </h2>
        <div className="row" role="group" aria-label="Signal">
          <button type="button" className="btn small" aria-pressed={effective.mode === 'scg'} onClick={() => update({ mode: 'scg' })}>
            SCG
          </button>
          <button type="button" className="btn small" aria-pressed={effective.mode === 'raw'} onClick={() => update({ mode: 'raw' })}>
            Raw axes
          </button>
        </div>
      </div>
      <div tabIndex={0} onKeyDown={onKey} aria-describedby="chart-keys">
        <ScgChart
          getFrame={getFrame}
          series={effective.mode === 'scg' ? SCG_SERIES : RAW_SERIES}
          height={260}
          label={`Waveform, ${effective.paused ? 'paused' : 'live'}, ${effective.spanS} second window`}
          emptyText="No signal yet"
        />
      </div>
      <div className="toolbar">
        {canFollow && (
          <button type="button" className="btn small" onClick={togglePause} aria-pressed={effective.paused}>
            {effective.paused ? 'Back to live' : 'Pause'}
          </button>
        )}
        <label className="small muted" htmlFor="span">
          Window
        </label>
        <select id="span" value={effective.spanS} onChange={(e) => update({ spanS: Number(e.target.value) })}>
          {SPANS_S.map((s) => (
            <option key={s} value={s}>
              {s} s
            </option>
          ))}
        </select>
        <input
          type="range"
          aria-label="Position in the recording"
          min={0}
          max={Math.max(1, durationS)}
          step={0.5}
          value={effective.paused ? effective.endS : durationS}
          onChange={(e) => update({ paused: true, endS: Number(e.target.value) })}
        />
        <span className="small muted num">
          {fmtDuration(effective.paused ? effective.endS : durationS)} / {fmtDuration(durationS)}
        </span>
      </div>
      <p id="chart-keys" className="small muted" style={{ margin: 0 }}>
        Keys on the chart: Space pause, ← → scroll, + − zoom. Red marks: heartbeats found by the analysis.
      </p>
    </section>
  );
}
