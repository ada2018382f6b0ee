/** Human-readable guidance for the patient for each `qualityReason`. */
export function qualityGuidance(reason: string): string {
  switch (reason) {
    case 'ok':
      return 'Good signal. Keep still and breathe calmly.';
    case 'motion':
      return 'Movement detected. Lie still with the phone flat on your chest.';
    case 'no_heartbeat':
      return 'No heartbeat found yet. Move the phone to the lower breastbone and keep it flat.';
    case 'too_short':
      return 'Collecting signal…';
    default:
      return 'Checking signal…';
  }
}
