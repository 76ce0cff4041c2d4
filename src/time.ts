let lastMs = NaN;
let lastIso = '';

/**
 * Epoch ms → ISO 8601, remembering the last answer: bursts of changes share a millisecond, and formatting dates was
 * a measurable share of a command's cost. Pure, so machines may use it too.
 */
export function toIso(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
