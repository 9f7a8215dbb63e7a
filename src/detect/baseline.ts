/**
 * Per host and hour of day: how many bytes it moves in one window, as a running mean and variance (Welford), so
 * that "abnormal" means abnormal for this host at this time of day.
 */
export class VolumeBaseline {
  private readonly stats = new Map<string, { n: number; mean: number; m2: number }>();

  private key(ip: string, time: number): string {
    return `${ip} ${new Date(time).getUTCHours()}`;
  }

  observe(ip: string, time: number, bytes: number): void {
    const key = this.key(ip, time);
    const s = this.stats.get(key) ?? { n: 0, mean: 0, m2: 0 };
    s.n++;
    const delta = bytes - s.mean;
    s.mean += delta / s.n;
    s.m2 += delta * (bytes - s.mean);
    this.stats.set(key, s);
  }

  get(ip: string, time: number): { n: number; mean: number; std: number } {
    const s = this.stats.get(this.key(ip, time));
    if (!s || s.n === 0) return { n: 0, mean: 0, std: 0 };
    return { n: s.n, mean: s.mean, std: s.n > 1 ? Math.sqrt(s.m2 / (s.n - 1)) : 0 };
  }
}
