/** The clinician's share link, `/view/{sessionId}#{viewerToken}`: built on the phone, read on the viewer page. */

/** The clinician's share link: the viewer token rides in the fragment so it never reaches a server log. */
export function shareLink(origin: string, sessionId: string, viewerToken: string): string {
  return `${origin}/view/${encodeURIComponent(sessionId)}#${encodeURIComponent(viewerToken)}`;
}

/** The viewer token from a share link's fragment (`#token`, also accepting `#token=…`). */
export function tokenFromHash(hash: string): string | null {
  const raw = hash.replace(/^#/, '');
  const value = raw.startsWith('token=') ? raw.slice('token='.length) : raw;
  if (!value) return null;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
