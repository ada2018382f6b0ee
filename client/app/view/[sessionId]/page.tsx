import type { Metadata } from 'next';

import { TopBar } from '@/app/_components/top-bar';

import { Viewer } from './_components/viewer';

export const metadata: Metadata = {
  title: 'Live recording',
  robots: { index: false, follow: false },
};

/** The clinician's page. The viewer token is in the URL fragment, which only the browser sees. */
export default async function ViewPage({ params }: { params: Promise<{ sessionId: string }> }) {
  const { sessionId } = await params;
  return (
    <>
      <TopBar subtitle="Clinician view" />
      <main className="page wide">
        <Viewer sessionId={sessionId} />
      </main>
    </>
  );
}
