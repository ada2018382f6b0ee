'use client';

/**
 * The patient's page, as a small state machine: intro → (permission, create session) → countdown with the
 * share link → recording → stopping (every sample acknowledged) → review. A recording left unfinished by a
 * reload or a crash is picked up on load: its unsent batches are sent at once, and the patient can continue.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

import { createSession, deleteSession, endSession } from '@/lib/api';
import { requestMotionPermission, ScreenWakeLock, type MotionPermission } from '@/lib/motion';
import { IdbPhoneStore, type RecordingRecord } from '@/lib/phone-store';
import type { DeviceInfo } from '@/lib/protocol';
import { PhoneRecorder, type RecorderState } from '@/lib/recorder';

import { AccessPanel } from './access-panel';
import { Countdown } from './countdown';
import { Intro } from './intro';
import { RecentRecordings } from './recent-recordings';
import { RecordingPanel } from './recording-panel';
import { RecordingReview } from './recording-review';
import { SharePanel } from './share-panel';

type Phase = 'loading' | 'intro' | 'creating' | 'countdown' | 'recording' | 'stopping' | 'review';

function device(): DeviceInfo {
  return { userAgent: navigator.userAgent, platform: navigator.platform || 'unknown' };
}

export function Recorder() {
  const [store] = useState(() => new IdbPhoneStore());
  const [wakeLock] = useState(() => new ScreenWakeLock());
  const [phase, setPhase] = useState<Phase>('loading');
  const [record, setRecord] = useState<RecordingRecord | null>(null);
  const [recordings, setRecordings] = useState<RecordingRecord[]>([]);
  const [permission, setPermission] = useState<MotionPermission | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<{ state: RecorderState; nowMs: number } | null>(null);
  const [active, setActive] = useState<PhoneRecorder | null>(null);
  const [stoppingSince, setStoppingSince] = useState<number | null>(null);
  const [screenLock, setScreenLock] = useState<boolean | null>(null);
  const recorder = useRef<PhoneRecorder | null>(null);
  const ticker = useRef<ReturnType<typeof setInterval> | null>(null);
  /** Set once this recording is on its way to the review, by Stop or because the server ended it. */
  const finishing = useRef(false);
  const starting = useRef(false);

  const refreshList = useCallback(async () => setRecordings(await store.listRecordings()), [store]);

  const detach = useCallback(() => {
    if (ticker.current) clearInterval(ticker.current);
    ticker.current = null;
    recorder.current?.dispose();
    recorder.current = null;
    setActive(null);
    wakeLock.release();
  }, [wakeLock]);

  /** Leave the recording screen for the review of `sessionId`, with the counters as stored on the phone. */
  const toReview = useCallback(
    async (sessionId: string) => {
      detach();
      const saved = await store.getRecording(sessionId);
      if (saved) setRecord(saved);
      await refreshList();
      setPhase('review');
    },
    [detach, refreshList, store],
  );

  /** Connect a recorder for `rec` (resending anything unsent) and mirror its counters 4 times a second. */
  const attach = useCallback(
    (rec: RecordingRecord) => {
      detach();
      finishing.current = false;
      const r = new PhoneRecorder(rec, store, device(), (s) => {
        // Ended elsewhere (the server, another device): nothing more to record here.
        if (s.capture.connection === 'ended' && !finishing.current) {
          finishing.current = true;
          void toReview(rec.sessionId);
        }
      });
      recorder.current = r;
      setActive(r);
      const publish = () => setLive({ state: r.snapshot, nowMs: Date.now() });
      ticker.current = setInterval(publish, 250);
      publish();
      void r.open();
      setRecord(rec);
      return r;
    },
    [detach, store, toReview],
  );

  useEffect(() => {
    let alive = true;
    void store.listRecordings().then((list) => {
      if (!alive) return;
      setRecordings(list);
      const unfinished = list.find((r) => r.state === 'recording');
      if (unfinished) {
        attach(unfinished);
        setPhase('recording');
      } else {
        setPhase('intro');
      }
    });
    return () => {
      alive = false;
      detach();
    };
  }, [attach, detach, store]);

  const start = async () => {
    if (starting.current) return; // a second tap while the first is still starting
    starting.current = true;
    setError(null);
    const granted = await requestMotionPermission(); // first, inside the tap, for iOS
    setPermission(granted);
    if (granted === 'denied') {
      starting.current = false;
      return;
    }
    setPhase('creating');
    try {
      const created = await createSession(device());
      const rec: RecordingRecord = {
        sessionId: created.sessionId,
        patientToken: created.patientToken,
        viewerToken: created.viewerToken,
        createdAt: created.createdAt,
        state: 'recording',
        endedAt: null,
        startedAtMs: null,
        nextSeq: 0,
        lastTMs: Number.NEGATIVE_INFINITY,
        recordedSamples: 0,
        ackedSamples: 0,
      };
      await store.putRecording(rec);
      attach(rec);
      setPhase('countdown');
      void refreshList();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The recording could not be started.');
      setPhase('intro');
    } finally {
      starting.current = false;
    }
  };

  const beginCapture = async () => {
    const r = recorder.current;
    if (!r) return;
    await r.startCapture();
    setPhase('recording');
    setScreenLock(await wakeLock.hold());
  };

  const resume = async () => {
    const granted = await requestMotionPermission();
    setPermission(granted);
    if (granted !== 'denied') await beginCapture();
  };

  const stop = async () => {
    const r = recorder.current;
    if (!r || !record || finishing.current) return;
    finishing.current = true;
    setPhase('stopping');
    setStoppingSince(Date.now());
    await r.stop();
    await toReview(record.sessionId);
  };

  const endNow = async () => {
    if (!record) return;
    try {
      await endSession(record.sessionId, record.patientToken);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Could not end the recording.');
    }
  };

  const open = (r: RecordingRecord) => {
    if (r.state === 'recording') {
      attach(r);
      setPhase('recording');
    } else {
      setRecord(r);
      setPhase('review');
    }
  };

  const remove = async (r: RecordingRecord) => {
    await deleteSession(r.sessionId, r.patientToken);
    await store.deleteRecording(r.sessionId);
    if (record?.sessionId === r.sessionId) {
      setRecord(null);
      setPhase('intro');
    }
    await refreshList();
  };

  /** The share link of `sessionId` was revoked: keep the new token on the phone and show the new link. */
  const replaceViewerToken = async (sessionId: string, viewerToken: string) => {
    await store.setViewerToken(sessionId, viewerToken);
    setRecord((r) => (r && r.sessionId === sessionId ? { ...r, viewerToken } : r));
    await refreshList();
  };

  const newRecording = () => {
    detach();
    setRecord(null);
    setLive(null);
    setPhase('intro');
  };

  return (
    <>
      {phase === 'loading' && <p className="muted">Loading…</p>}
      {(phase === 'intro' || phase === 'creating') && (
        <Intro busy={phase === 'creating'} permission={permission} error={error} onStart={() => void start()} />
      )}
      {phase === 'countdown' && <Countdown seconds={5} onDone={() => void beginCapture()} />}
      {(phase === 'recording' || phase === 'stopping') && active && live && (
        <RecordingPanel
          recorder={active}
          state={live.state}
          nowMs={live.nowMs}
          startedAtMs={live.state.startedAtMs}
          stopping={phase === 'stopping'}
          stoppingSinceMs={stoppingSince}
          screenLock={screenLock}
          onStop={() => void stop()}
          onContinue={() => void resume()}
          onEndNow={() => void endNow()}
        />
      )}
      {phase === 'stopping' && error && <p className="notice bad small">{error}</p>}
      {phase === 'review' && record && (
        <RecordingReview
          record={record}
          onNew={newRecording}
          onRevoked={(token) => replaceViewerToken(record.sessionId, token)}
        />
      )}
      {record && (phase === 'countdown' || phase === 'recording' || phase === 'stopping') && (
        <>
          <SharePanel sessionId={record.sessionId} viewerToken={record.viewerToken} />
          <AccessPanel
            sessionId={record.sessionId}
            patientToken={record.patientToken}
            live
            onRevoked={(token) => replaceViewerToken(record.sessionId, token)}
          />
        </>
      )}
      {(phase === 'intro' || phase === 'review') && (
        <RecentRecordings
          recordings={recordings.filter((r) => r.sessionId !== record?.sessionId || phase !== 'review')}
          onOpen={open}
          onDelete={remove}
        />
      )}
    </>
  );
}
