/**
 * @module A one-line download progress bar for the terminal (plain lines when stderr is not a TTY, so logs stay
 * readable in CI and in the extension's Output channel).
 */
const WIDTH = 30;

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function createProgressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let lastTenth = 0;
  let lastDraw = 0;
  return {
    update(done: number, total: number): void {
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const percent = Math.floor(fraction * 100);
      if (stream.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100 && percent !== 100) return;
        lastDraw = now;
        const filled = Math.round(fraction * WIDTH);
        stream.write(`\r${label} [${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${String(percent).padStart(3)}% ${mb(done)} / ${mb(total)}`);
        if (percent === 100) stream.write('\n');
      } else if (Math.floor(percent / 10) > lastTenth) {
        lastTenth = Math.floor(percent / 10);
        stream.write(`${label}: ${percent}% (${mb(done)} / ${mb(total)})\n`);
      }
    },
  };
}
