import { describe, expect, it } from 'vitest';

import {
  helloCapture,
  helloWatch,
  isFatalClose,
  isValidSample,
  paths,
  samplesMessage,
} from './protocol';
import { parseCaptureMessage, parseWatchMessage } from './server-messages';
import { shareLink, tokenFromHash } from './share-link';

describe('client → server messages', () => {
  it('hello carries the token, and since only when given', () => {
    expect(JSON.parse(helloCapture('p'))).toEqual({ type: 'hello', token: 'p' });
    expect(JSON.parse(helloWatch('v'))).toEqual({ type: 'hello', token: 'v' });
    expect(JSON.parse(helloWatch('v', 0))).toEqual({ type: 'hello', token: 'v', since: 0 });
  });

  it('samples keep full float precision of t_ms', () => {
    const t = 1721574600123.456;
    const msg = JSON.parse(samplesMessage(3, [[t, -0.012, 0.001, 9.81]]));
    expect(msg).toEqual({ type: 'samples', seq: 3, samples: [[t, -0.012, 0.001, 9.81]] });
  });
});

describe('server → client messages', () => {
  it('parses the capture messages', () => {
    expect(parseCaptureMessage('{"type":"ready","nextSeq":4}')).toEqual({ type: 'ready', nextSeq: 4 });
    expect(parseCaptureMessage('{"type":"ack","seq":0}')).toEqual({ type: 'ack', seq: 0 });
    expect(parseCaptureMessage('{"type":"ended"}')).toEqual({ type: 'ended' });
    expect(parseCaptureMessage('{"type":"error","code":"seq_gap","expected":7}')).toEqual({
      type: 'error',
      code: 'seq_gap',
      expected: 7,
    });
    const skew = '{"type":"error","code":"invalid_samples","seq":3,"detail":"far off","serverTimeMs":1790000000000.5}';
    expect(parseCaptureMessage(skew)).toEqual({
      type: 'error',
      code: 'invalid_samples',
      seq: 3,
      detail: 'far off',
      serverTimeMs: 1790000000000.5,
    });
  });

  it('ignores malformed frames instead of throwing', () => {
    for (const bad of ['', 'nope', '[]', 'null', '{"type":"ack"}', '{"type":"ready","nextSeq":-1}', '{"type":"x"}'])
      expect(parseCaptureMessage(bad)).toBeNull();
    expect(parseWatchMessage('{"type":"samples","seq":1,"samples":[[1,2,3]]}')).toBeNull();
  });

  it('parses watch samples, status and analysis with nulls kept as nulls', () => {
    expect(parseWatchMessage('{"type":"samples","seq":2,"samples":[[1,0,0,9.8]]}')).toEqual({
      type: 'samples',
      seq: 2,
      samples: [[1, 0, 0, 9.8]],
    });
    expect(parseWatchMessage('{"type":"status","status":"live","patientConnected":true,"viewers":2}')).toEqual({
      type: 'status',
      status: 'live',
      patientConnected: true,
      viewers: 2,
    });
    // A status that does not say how many watch leaves the count unknown rather than claiming nobody does.
    expect(parseWatchMessage('{"type":"status","status":"live","patientConnected":true}')).toMatchObject({
      viewers: null,
    });
    const a = parseWatchMessage(
      '{"type":"analysis","tMs":5,"heartRateBpm":null,"quality":0.2,"qualityReason":"motion","beats":[],"respiratoryRateBpm":null}',
    );
    expect(a).toMatchObject({ type: 'analysis', heartRateBpm: null, qualityReason: 'motion' });
  });
});

describe('links, paths and limits', () => {
  it('puts the viewer token in the fragment and reads it back', () => {
    const link = shareLink('https://scg.example', 'abc', 'tok-_1');
    expect(link).toBe('https://scg.example/view/abc#tok-_1');
    expect(tokenFromHash(new URL(link).hash)).toBe('tok-_1');
    expect(tokenFromHash('#token=xyz')).toBe('xyz');
    expect(tokenFromHash('')).toBeNull();
  });

  it('builds the documented paths', () => {
    expect(paths.capture('s')).toBe('/ws/v1/sessions/s/capture');
    expect(paths.watch('s')).toBe('/ws/v1/sessions/s/watch');
    expect(paths.data('s', 'csv')).toBe('/api/v1/sessions/s/data?format=csv');
  });

  it('knows which samples the server accepts and which closes are final', () => {
    expect(isValidSample([1, 0, 0, 9.81])).toBe(true);
    expect(isValidSample([1, Number.NaN, 0, 0])).toBe(false);
    expect(isValidSample([1, 1001, 0, 0])).toBe(false);
    expect(isFatalClose(4404)).toBe(true);
    expect(isFatalClose(1013)).toBe(false);
  });
});
