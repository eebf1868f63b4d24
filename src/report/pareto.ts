// Pareto front for "higher accuracy, lower cost": a point is on the front when no other point is at
// least as accurate and at most as costly, and strictly better in one of the two.

export interface ParetoPoint {
  cost: number;
  accuracy: number;
}

/** Indices of the points on the front, sorted by cost. */
export function paretoFront(points: readonly ParetoPoint[]): number[] {
  const ok = points.map((p, i) => ({ p, i })).filter(({ p }) => Number.isFinite(p.cost) && Number.isFinite(p.accuracy));
  const front = ok.filter(({ p }) => !ok.some(({ p: q }) => q.cost <= p.cost && q.accuracy >= p.accuracy && (q.cost < p.cost || q.accuracy > p.accuracy)));
  return front.sort((a, b) => a.p.cost - b.p.cost || b.p.accuracy - a.p.accuracy).map(({ i }) => i);
}
