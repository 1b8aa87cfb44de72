/** Progress of long work as lines (CI logs and pipes have no carriage returns): one per 10% step. */
export function progressReporter(
  print: (line: string) => void,
  what: string,
): (done: number, total: number) => void {
  let lastStep = -1;
  let lastTotal = -1;
  return (done, total) => {
    if (total !== lastTotal) {
      lastTotal = total;
      lastStep = -1;
    }
    const step = total > 0 ? Math.floor((Math.min(done, total) / total) * 10) : 10;
    if (step <= lastStep) return;
    lastStep = step;
    print(`${what} ${step * 10}% (${done} of ${total} bytes)`);
  };
}

export interface PhaseProgress {
  /** `phase` is `done` of `total` along (items, seconds...). */
  readonly update: (phase: string, done: number, total: number) => void;
  /** A line of its own (a phase's result). */
  readonly line: (text: string) => void;
  /** Ends a pending status line. */
  readonly end: () => void;
}

/**
 * Progress of a multi-phase run. On a terminal one status line is redrawn in place (at most every
 * 200 ms); elsewhere (pipes, CI logs) a line is printed per 10% step of each phase.
 */
export function phaseProgress(print: (text: string) => void, tty: boolean): PhaseProgress {
  let pending = false;
  let lastDraw = 0;
  let lastPhase = '';
  let lastStep = -1;
  const end = () => {
    if (pending) print('\n');
    pending = false;
  };
  return {
    update(phase, done, total) {
      const text = `${phase}: ${done} of ${total}`;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 200 && done < total) return;
        lastDraw = now;
        print(`\r\x1b[2K${text}`);
        pending = true;
        return;
      }
      const key = phase.split(' ')[0] ?? phase;
      const step = total > 0 ? Math.floor((Math.min(done, total) / total) * 10) : 10;
      if (key === lastPhase && step <= lastStep) return;
      lastPhase = key;
      lastStep = step;
      print(`${text}\n`);
    },
    line(text) {
      end();
      print(`${text}\n`);
    },
    end,
  };
}
