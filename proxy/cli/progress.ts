/**
 * @module Progress on stderr: the model download's bar (plain lines when stderr is not a TTY, so logs stay readable
 * in CI and in the extension's Output channel), and a counter for long commands (a terminal only).
 */
const WIDTH = 30;

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The download bar: redrawn on a terminal, a line every 10% elsewhere. */
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
        stream.write(
          `\r${label} [${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${String(percent).padStart(3)}% ${mb(done)} / ${mb(total)}`,
        );
        if (percent === 100) stream.write('\n');
      } else if (Math.floor(percent / 10) > lastTenth) {
        lastTenth = Math.floor(percent / 10);
        stream.write(`${label}: ${percent}% (${mb(done)} / ${mb(total)})\n`);
      }
    },
  };
}

/** Progress of a long command as `label 12/340 (3%)` on one redrawn stderr line: only on a terminal, never in logs or pipes. */
export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done: number, total: number): void {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      drawn = true;
      stream.write(`\r${label} ${done}/${total} (${total ? Math.floor((done / total) * 100) : 100}%)\u001b[K`);
    },
    /** Clears the line, so the result prints on a clean terminal. */
    finish(): void {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
    },
  };
}
