/** How to place the phone: the signal is a fraction of a milli-g, so placement and stillness matter most. */
export function PlacementGuide() {
  return (
    <section className="card" aria-labelledby="placement-title">
      <h2 id="placement-title">Before you start</h2>
      <ol className="steps">
        <li>Lie on your back, propped up slightly if that is more comfortable.</li>
        <li>
          Place the phone <strong>flat on the lower part of your breastbone</strong>, screen up, on bare skin or thin
          clothing.
        </li>
        <li>Rest a hand lightly beside it if it slides. Do not press.</li>
        <li>Breathe calmly, stay still and do not talk during the recording.</li>
      </ol>
    </section>
  );
}
