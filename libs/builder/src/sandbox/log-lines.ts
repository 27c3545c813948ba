/** Longest line handed to the log; longer ones are split. */
const MAX_LINE = 8 * 1024;

/** Turns output chunks into whole lines for `log`; `flush` hands over an unfinished last line. */
export function lineWriter(log: (line: string) => void): { write: (chunk: string) => void; flush: () => void } {
  let pending = '';
  const emit = (line: string) => {
    for (let i = 0; i < line.length || i === 0; i += MAX_LINE) log(line.slice(i, i + MAX_LINE).replace(/\r$/, ''));
  };
  return {
    write(chunk: string) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line);
      while (pending.length > MAX_LINE) {
        log(pending.slice(0, MAX_LINE));
        pending = pending.slice(MAX_LINE);
      }
    },
    flush() {
      if (pending !== '') emit(pending);
      pending = '';
    },
  };
}
