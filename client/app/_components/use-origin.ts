'use client';

import { useSyncExternalStore } from 'react';

const subscribe = () => () => undefined;

/** This page's origin (`https://host:port`) on the client, '' while rendering on the server. */
export function useOrigin(): string {
  return useSyncExternalStore(
    subscribe,
    () => window.location.origin,
    () => '',
  );
}

/** This page's full URL without the fragment, '' on the server. */
export function usePageUrl(): string {
  return useSyncExternalStore(
    subscribe,
    () => window.location.origin + window.location.pathname,
    () => '',
  );
}
