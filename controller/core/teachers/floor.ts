// The floor every teacher keeps: p_i = floor + (1 - N * floor) * q_i, so each task keeps at least
// `floor` of the probability mass (and never gets starved), and p still sums to 1.

export function applyFloor(q: Readonly<Record<string, number>>, tasks: readonly string[], floor: number): Record<string, number> {
  const n = tasks.length;
  const f = n * floor >= 1 ? 1 / n : floor;
  let total = 0;
  for (const t of tasks) total += q[t] ?? 0;
  const out: Record<string, number> = {};
  for (const t of tasks) {
    const share = total > 0 ? (q[t] ?? 0) / total : 1 / n;
    out[t] = f + (1 - n * f) * share;
  }
  return out;
}

/** (1 - s) * q + s * uniform(over `toward`): moves a share s of the mass onto some tasks. */
export function shiftToward(q: Readonly<Record<string, number>>, tasks: readonly string[], toward: readonly string[], strength: number): Record<string, number> {
  const out: Record<string, number> = {};
  const targets = toward.filter((t) => tasks.includes(t));
  for (const t of tasks) {
    out[t] = (1 - strength) * (q[t] ?? 0) + (targets.includes(t) ? strength / targets.length : 0);
  }
  if (targets.length === 0) return { ...q };
  return out;
}
