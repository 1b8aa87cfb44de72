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
