'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

import { ApiError, getAccessLog, revokeShareLink } from '@/lib/api';
import type { AccessLogEntry } from '@/lib/protocol';

import { accessRows, accessSummary } from './access-log';

interface Props {
  sessionId: string;
  patientToken: string;
  /** While recording: refresh the list every `refreshMs`. */
  live: boolean;
  refreshMs?: number;
  /** Called with the new viewer token after the old share link was revoked; the caller stores and shows it. */
  onRevoked: (viewerToken: string) => Promise<void>;
}

function explain(what: string, e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return `${what}: ${e.message}`;
    if (e.status === 401 || e.status === 403)
      return `${what}: the server did not accept this phone's key for this recording (${e.message}).`;
    if (e.status === 404 || e.status === 410) return `${what}: the server no longer has this recording.`;
    if (e.status === 429) return `${what}: too many requests; try again in ${e.retryAfterS ?? 'a few'} seconds.`;
    return `${what}: ${e.message}`;
  }
  return `${what}: ${e instanceof Error ? e.message : 'unknown error'}.`;
}

/** "Who has opened this recording" (the server's access log) and "Stop sharing / new link". */
export function AccessPanel({ sessionId, patientToken, live, refreshMs = 10_000, onRevoked }: Props) {
  const [entries, setEntries] = useState<AccessLogEntry[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState(false);
  const [revokeState, setRevokeState] = useState<{ ok: boolean; text: string } | null>(null);
  const [checkedAt, setCheckedAt] = useState<number | null>(null);
  const current = useRef(0);

  const load = useCallback(async () => {
    const ticket = ++current.current;
    setLoading(true);
    try {
      const list = await getAccessLog(sessionId, patientToken);
      if (ticket !== current.current) return;
      setEntries(list);
      setLoadError(null);
      setCheckedAt(Date.now());
    } catch (e) {
      if (ticket === current.current) setLoadError(explain('Could not load who opened this recording', e));
    } finally {
      if (ticket === current.current) setLoading(false);
    }
  }, [sessionId, patientToken]);

  useEffect(() => {
    // Load now (the state updates come when the answer does), then, while recording, every refreshMs.
    const first = setTimeout(() => void load(), 0);
    const timer = live ? setInterval(() => void load(), refreshMs) : null;
    return () => {
      clearTimeout(first);
      if (timer) clearInterval(timer);
      current.current += 1; // ignore answers that arrive after this
    };
  }, [load, live, refreshMs]);

  const revoke = async () => {
    if (
      !window.confirm(
        'Stop sharing this recording? The current link stops working at once and anyone watching with it is ' +
          'disconnected. You get a new link to send to whom you choose.',
      )
    )
      return;
    setRevoking(true);
    setRevokeState(null);
    try {
      const token = await revokeShareLink(sessionId, patientToken);
      try {
        await onRevoked(token);
        setRevokeState({ ok: true, text: 'The old link no longer works. The new link and QR code are shown above.' });
      } catch (e) {
        setRevokeState({
          ok: false,
          text:
            'The old link no longer works, but the new one could not be saved on this phone ' +
            `(${e instanceof Error ? e.message : 'unknown error'}). Tap “Stop sharing / new link” again to get another.`,
        });
      }
      void load();
    } catch (e) {
      setRevokeState({ ok: false, text: `${explain('The link could not be changed', e)} The old link still works.` });
    } finally {
      setRevoking(false);
    }
  };

  const { rows, hidden } = accessRows(entries ?? []);
  return (
    <section className="card stack" aria-labelledby={`access-title-${sessionId}`}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id={`access-title-${sessionId}`} style={{ margin: 0 }}>
          Who has opened this recording
        </h2>
        <button type="button" className="btn small" disabled={loading} onClick={() => void load()} data-testid="access-refresh">
          {loading ? 'Checking…' : 'Refresh'}
        </button>
      </div>
      <p className="muted small">
        {entries ? accessSummary(entries) : 'Checking with the server…'}
        {live ? ' Updated every 10 seconds while recording.' : ''}
        {checkedAt ? ` Last checked ${new Date(checkedAt).toLocaleTimeString()}.` : ''}
      </p>
      {loadError && (
        <p className="notice bad small" role="alert">
          {loadError}
        </p>
      )}
      <ul className="access-log" data-testid="access-log" aria-busy={loading}>
        {rows.map((r) => (
          <li key={r.key} data-role={r.clinician ? 'viewer' : 'patient'} className={r.clinician ? 'clinician' : ''}>
            <span className="num small">{r.time}</span>
            <span>
              <strong>{r.who}</strong> · {r.what}
            </span>
            <span className="small muted">{r.client}</span>
          </li>
        ))}
        {entries && rows.length === 0 && <li className="small muted">No access recorded yet.</li>}
      </ul>
      {hidden > 0 && <p className="small muted">and {hidden} earlier entries.</p>}
      <div className="stack" style={{ gap: '0.4rem' }}>
        <div>
          <button
            type="button"
            className="btn small danger"
            data-testid="revoke-link"
            disabled={revoking}
            onClick={() => void revoke()}
          >
            {revoking ? 'Changing the link…' : 'Stop sharing / new link'}
          </button>
        </div>
        <span className="small muted">
          Someone you did not expect? This disconnects everyone using the current link and makes a new one.
        </span>
        {revokeState && (
          <p className={`notice small ${revokeState.ok ? '' : 'bad'}`} role={revokeState.ok ? 'status' : 'alert'} data-testid="revoke-result">
            {revokeState.text}
          </p>
        )}
      </div>
    </section>
  );
}
