/**
 * Progress on stderr for long runs: a redrawn bar on a terminal, a plain line every ~10%
 * (or 15 s) otherwise, nothing when quiet.
 */
export class Progress {
  private readonly start = Date.now();
  private lastLine = 0;
  private lastPercent = -1;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly label: string, private readonly total: number, private readonly quiet = false) {}

  update(done: number, note = ''): void {
    if (this.quiet || this.total <= 0) return;
    const percent = Math.floor((100 * done) / this.total);
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed * (this.total - done)) / done : 0;
    const text = `${this.label} ${done}/${this.total} (${percent}%) ${elapsed.toFixed(1)}s elapsed, ~${eta.toFixed(0)}s left${note ? ` ${note}` : ''}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round((width * done) / this.total);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      if (done >= this.total) process.stderr.write('\n');
      return;
    }
    const now = Date.now();
    if (done >= this.total || Math.floor(percent / 10) > Math.floor(this.lastPercent / 10) || now - this.lastLine > 15_000) {
      process.stderr.write(`${text}\n`);
      this.lastLine = now;
      this.lastPercent = percent;
    }
  }
}
