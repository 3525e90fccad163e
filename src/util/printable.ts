// Text that came from a file or the command line, made safe to print on a terminal: control
// characters (C0 but newline and tab, DEL, C1) and the bidirectional overrides of "Trojan
// source" are shown as \uXXXX escapes, never sent raw. The escape is also valid inside a JSON
// string, so a JSON document stays the same document.

const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `s` with every character that could steer a terminal escaped (newlines and tabs kept). */
export function printable(s: string): string {
  return s.replace(UNSAFE, escape);
}

/** `s` as one printable line: newlines escaped too. */
export function printableLine(s: string): string {
  return printable(s).replace(/[\n\r]/g, escape);
}

/** Text for stderr: as printable(), but kmc's own progress-line controls (\r, ESC[K) kept. */
export function printableErr(s: string): string {
  return s.replace(/\r\x1b\[K|\x1b\[K|\r|[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (m) => (m.length > 1 || m === '\r' ? m : escape(m)));
}

/** A line cut to at most `max` characters, saying how much was left out. */
export function truncateLine(s: string, max = 2000): string {
  if (s.length <= max) return s;
  const keep = max - 60;
  const head = Math.ceil(keep * 0.75);
  const tail = keep - head;
  return `${s.slice(0, head)} … (${(s.length - head - tail).toLocaleString('en-US')} characters left out) … ${s.slice(s.length - tail)}`;
}
