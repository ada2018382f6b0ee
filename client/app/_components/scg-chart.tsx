'use client';

/**
 * The waveform canvas (uPlot). It never re-renders with React: once per animation frame it asks `getFrame`
 * for the window to draw, skips the frame when nothing changed, and draws beat markers from the live analysis.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import { SmoothedScale } from '@/lib/autoscale';
import type { TraceWindow } from '@/lib/trace';

export interface ChartSeries {
  label: string;
  color: string;
}

export interface ScgChartProps {
  /** Returns the window to draw, or null when nothing changed since the last call. */
  getFrame: () => TraceWindow | null;
  series: ChartSeries[];
  height: number;
  label: string;
  emptyText: string;
  yUnit?: string;
}

function formatSeconds(s: number): string {
  const sign = s < 0 ? '-' : '';
  const abs = Math.abs(s);
  const m = Math.floor(abs / 60);
  const sec = abs - m * 60;
  return `${sign}${m}:${sec < 10 ? '0' : ''}${sec.toFixed(sec % 1 ? 1 : 0)}`;
}

export function ScgChart({ getFrame, series, height, label, emptyText, yUnit = 'm/s²' }: ScgChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const empty = useRef<HTMLDivElement>(null);
  const frameSource = useRef(getFrame);
  useEffect(() => {
    frameSource.current = getFrame;
  }, [getFrame]);
  const seriesKey = series.map((s) => `${s.label}:${s.color}`).join('|');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const seriesList: ChartSeries[] = seriesKey
      .split('|')
      .map((s) => ({ label: s.split(':')[0] ?? '', color: s.split(':')[1] ?? '#000' }));
    let beats: number[] = [];
    const axisStyle = { stroke: '#5b6776', grid: { stroke: '#e8ecf0', width: 1 }, ticks: { stroke: '#dde3ea', width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      pxAlign: 0,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false, auto: false }, y: { auto: false } },
      axes: [
        { ...axisStyle, values: (_u, ticks) => ticks.map(formatSeconds), size: 30 },
        {
          ...axisStyle,
          size: 56,
          label: yUnit,
          labelSize: 14,
          values: (_u, ticks) => ticks.map((v) => (Math.abs(v) < 1e-9 ? '0' : v.toPrecision(2))),
        },
      ],
      series: [{}, ...seriesList.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, points: { show: false } }))],
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.fillStyle = '#b42318';
            const top = u.bbox.top;
            for (const b of beats) {
              const x = u.valToPos(b, 'x', true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.beginPath();
              ctx.moveTo(x - 5, top);
              ctx.lineTo(x + 5, top);
              ctx.lineTo(x, top + 8);
              ctx.fill();
            }
            ctx.restore();
          },
        ],
      },
    };
    const data: uPlot.AlignedData = [[], ...seriesList.map(() => [])];
    const u = new uPlot(opts, data, el);
    u.root.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
    const scale = new SmoothedScale();
    let raf = 0;
    const tick = () => {
      const frame = frameSource.current();
      if (frame) {
        beats = frame.beats;
        const half = scale.update(frame.yHalfRange);
        u.batch(() => {
          u.setData([frame.x, ...frame.ys] as unknown as uPlot.AlignedData, false);
          u.setScale('x', { min: frame.xMin, max: frame.xMax });
          u.setScale('y', { min: -half, max: half });
        });
        if (empty.current) empty.current.hidden = frame.x.length > 0;
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      cancelAnimationFrame(raf);
      resize.disconnect();
      u.destroy();
    };
  }, [seriesKey, height, yUnit]);

  return (
    <figure className="chart" style={{ margin: 0, minHeight: height }} aria-label={label} role="img">
      <div ref={box} />
      <div ref={empty} className="empty">
        {emptyText}
      </div>
    </figure>
  );
}
