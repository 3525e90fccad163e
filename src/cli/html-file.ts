// Which existing files an --html output may replace without --force: a page kmc wrote.

/** Is the beginning of a file an HTML page kmc wrote (its title starts with "kmc")? */
export function isKmcHtml(head: string): boolean {
  return /<title>kmc[: ]/.test(head);
}
