// kmc list MODEL --code [--variant V]: one variant's program as text, so that two kernels'
// code can be read and diffed one at a time.
import { describe, expect, it } from 'vitest';
import { runKmc } from '../helpers/kmc-cli.js';

const lines = (s: string) => s.split('\n');

describe('kmc list --code', () => {
  it("two variants of xen-remove-from-physmap differ where their code differs, and only there", async () => {
    const reviewed = await runKmc('list', 'xen-remove-from-physmap', '--code', '--variant', 'reviewed');
    const hunk = await runKmc('list', 'xen-remove-from-physmap', '--code', '--variant', 'ia64-hunk-on-x86');
    expect([reviewed.code, hunk.code]).toEqual([0, 0]);
    expect(lines(reviewed.out)[0]).toBe('model xen-remove-from-physmap, variant reviewed');
    expect(lines(hunk.out)[0]).toBe('model xen-remove-from-physmap, variant ia64-hunk-on-x86');
    // The ia64 hunk looks the mfn up with gmfn_to_mfn and never calls put_gfn; the reviewed fix
    // takes the gfn with get_gfn_untyped and puts it back.
    expect(hunk.out).toMatch(/gmfn_to_mfn\(d, xrfp\.gpfn\)/);
    expect(reviewed.out).not.toMatch(/gmfn_to_mfn/);
    expect(reviewed.out).toMatch(/get_gfn_untyped\(d, xrfp\.gpfn\)/);
    expect(reviewed.out).toMatch(/^ {4}arch_memory_op: put_gfn\(d, xrfp\.gpfn\)$/m);
    expect(hunk.out).not.toMatch(/put_gfn\(d, xrfp\.gpfn\)/);
    // The code both share is listed the same in both (a diff shows only the hunk).
    const shared = lines(reviewed.out).filter((l) => lines(hunk.out).includes(l));
    expect(shared).toContain('    arch_memory_op: domain_lock(d)');
    expect(shared).toContain('thread kind remove_from_physmap (first instance cpu0/remove_from_physmap)');
    const onlyReviewed = lines(reviewed.out).filter((l) => !lines(hunk.out).includes(l));
    expect(onlyReviewed.length).toBeGreaterThan(0);
    expect(onlyReviewed.length).toBeLessThan(lines(reviewed.out).length / 2);
  });

  it('lists the first variant by default, and each thread kind once', async () => {
    const r = await runKmc('list', 'xen-remove-from-physmap', '--code', '--param', 'hypercalls=2');
    expect(r.code).toBe(0);
    expect(lines(r.out)[0]).toBe('model xen-remove-from-physmap, variant x86-as-posted');
    expect(r.out.match(/^thread kind remove_from_physmap \(first instance/gm)).toHaveLength(1);
    expect(r.out).toMatch(/thread kind remove_from_physmap runs as: cpu0\/remove_from_physmap, cpu1\/remove_from_physmap/);
  });

  it('refuses an unknown variant, --variant without --code, and --code without one model', async () => {
    const unknown = await runKmc('list', 'xen-remove-from-physmap', '--code', '--variant', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no variant 'nope'/);
    const noCode = await runKmc('list', 'xen-remove-from-physmap', '--variant', 'reviewed');
    expect(noCode.code).toBe(2);
    expect(noCode.err).toMatch(/--variant and --param go with --code/);
    const none = await runKmc('list', '--code');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--code: name one model \(0 given\)/);
  });
});
