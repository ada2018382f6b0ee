import { describe, expect, it } from 'vitest';

import { viewerStatus } from './viewer-status';

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
