import { Recorder } from './_components/recorder';
import { TopBar } from './_components/top-bar';

/** The patient's page: record with the phone on the chest, share the live link with the clinician. */
export default function PatientPage() {
  return (
    <>
      <TopBar />
      <main className="page">
        <Recorder />
      </main>
    </>
  );
}
