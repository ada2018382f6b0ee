import { describe, expect, it } from 'vitest';

import { viewerStatus, watchingCount } from './viewer-status';

describe('viewerStatus', () => {
  it('names every state the clinician can be in', () => {
    expect(viewerStatus('connecting', null, false)).toBe('connecting');
    expect(viewerStatus('reconnecting', 'live', true)).toBe('connecting');
    expect(viewerStatus('open', 'created', false)).toBe('waiting');
    expect(viewerStatus('open', 'created', true)).toBe('waiting');
    expect(viewerStatus('open', 'live', true)).toBe('live');
    expect(viewerStatus('open', 'live', false)).toBe('disconnected');
    expect(viewerStatus('open', 'ended', false)).toBe('ended');
    expect(viewerStatus('error', null, false)).toBe('error');
  });

  it('keeps showing ended after the server closes the socket of an ended session', () => {
    expect(viewerStatus('closed', 'ended', false)).toBe('ended');
    expect(viewerStatus('reconnecting', 'ended', false)).toBe('ended');
  });
});

describe('watchingCount', () => {
  it('follows the server, keeps the last count when a status does not say, and counts this page itself', () => {
    expect(watchingCount(1, 3)).toBe(3);
    expect(watchingCount(3, null)).toBe(3);
    expect(watchingCount(2, 0)).toBe(1);
  });
});
