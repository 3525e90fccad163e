// Where the CLI writes: injectable so tests run commands in-process and read what they print.

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Is stdout a terminal (live progress line) or a pipe/file (plain lines)? */
  isTTY: boolean;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => void process.stderr.write(t.endsWith('\n') || t.endsWith('\r') ? t : t + '\n'),
  isTTY: process.stderr.isTTY === true,
};
