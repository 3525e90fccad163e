// XENMEM_remove_from_physmap (seed 002): the x86 hunk as posted already pairs get_gfn_untyped with
// put_gfn and holds, as does the reviewed form (the same statements on x86); the ia64 hunk's
// statements under x86 locking (gmfn_to_mfn = the locking lookup, no put_gfn: the NACKed reading)
// leak the gfn lock on every path that takes it, and the next p2m user spins forever. Verdicts, distinct-state counts and shortest traces are pinned (the counts are what the
// checker computes; a change to the model or the engine that moves them must be looked at).
import { describe, expect, it } from 'vitest';
import model from '../../models/xen-remove-from-physmap.js';
import { properties } from '../../properties/xen-remove-from-physmap.js';
import { check } from '../../src/engine/index.js';
import type { CheckResult } from '../../src/engine/index.js';
import { compileModel } from '../../src/model/compile.js';
import { programListing } from '../../src/model/index.js';
import { linesOnlyIn, listingLines } from '../helpers/listing.js';
import { expandPath } from '../../src/trace/expand.js';
import { bundled } from '../../models/index.js';
import { invariant } from '../../src/property/index.js';
import { expectViewsMatchProduce } from '../helpers/view-equivalence.js';
import { expectPinned, verdicts } from '../helpers/verdicts.js';

type Params = Record<string, number | boolean>;


const ALL_HOLD = {
  'locks-released': 'holds',
  'rcu-unlocked': 'holds',
  deadlock: 'holds',
  'lock-order': 'holds',
  'no-free-under-reader': 'holds',
  'mm-lock-already-held': 'holds',
  'p2m-unlock-by-owner': 'holds',
  'domain-unlock-by-owner': 'holds',
} as const;

interface Case {
  what: string;
  params: Params;
  suffix: string;
  expected: Record<'ia64-hunk-on-x86' | 'reviewed', { states: number; verdicts: Partial<Record<keyof typeof ALL_HOLD, number>> }>;
}

const CASES: Case[] = [
  {
    what: 'defaults (1 caller, guest vCPU fault, xsm and mfn_valid may fail, domain destruction)',
    params: {},
    suffix: '',
    expected: {
      'ia64-hunk-on-x86': { states: 278, verdicts: { 'locks-released': 7, deadlock: 8 } },
      reviewed: { states: 326, verdicts: {} },
    },
  },
  {
    what: 'larger: 2 callers x 2 hypercalls each',
    params: { hypercalls: 2, rounds: 2 },
    suffix: '--hypercalls2-rounds2',
    expected: {
      // The second hypercall on the leaking CPU re-takes the leaked gfn lock recursively and then
      // takes domain_lock under it: the leak also inverts the lock order on that CPU.
      'ia64-hunk-on-x86': { states: 14866, verdicts: { 'locks-released': 10, deadlock: 13, 'lock-order': 10 } },
      reviewed: { states: 13660, verdicts: {} },
    },
  },
  {
    what: 'mfn_valid always true while mapped: the leak through guest_physmap_remove_page',
    params: { mfnCanBeInvalid: false },
    suffix: '--valid-mfn',
    expected: {
      'ia64-hunk-on-x86': { states: 231, verdicts: { 'locks-released': 10, deadlock: 11 } },
      reviewed: { states: 255, verdicts: {} },
    },
  },
  {
    what: 'with XENMEM_add_to_physmap (Xen 4.2 shape, not in the seed): gfn lock before domain_lock',
    params: { addToPhysmap: true },
    suffix: '--add-to-physmap',
    expected: {
      'ia64-hunk-on-x86': { states: 1505, verdicts: { 'locks-released': 7, deadlock: 6, 'lock-order': 9 } },
      reviewed: { states: 1927, verdicts: { deadlock: 6, 'lock-order': 9 } },
    },
  },
  {
    what: 'a non-recursive p2m lock (mm_lock instead of mm_lock_recursive)',
    params: { p2mLockRecursive: false },
    suffix: '--p2m-not-recursive',
    expected: {
      'ia64-hunk-on-x86': { states: 216, verdicts: { 'locks-released': 7, deadlock: 8, 'mm-lock-already-held': 6 } },
      reviewed: { states: 240, verdicts: { 'mm-lock-already-held': 6 } },
    },
  },
  {
    what: 'no other p2m user and no destruction: the leak harms nobody in this run',
    params: { guestFault: false, destroy: false },
    suffix: '--alone',
    expected: {
      'ia64-hunk-on-x86': { states: 16, verdicts: { 'locks-released': 7 } },
      reviewed: { states: 18, verdicts: {} },
    },
  },
];

describe('xen-remove-from-physmap: verdicts, state counts, shortest traces', () => {
  for (const c of CASES) {
    for (const variant of ['ia64-hunk-on-x86', 'reviewed'] as const) {
      it(`${variant}, ${c.what}`, () => {
        expectPinned(model, properties, variant, c.params, c.expected[variant], ALL_HOLD, c.suffix);
      });
    }
    // The x86 hunk as posted runs the statements the review asks for: the same verdicts and the
    // same distinct states as reviewed at every size (only a label's comment differs).
    it(`x86-as-posted, ${c.what}: as reviewed`, () => {
      expectPinned(model, properties, 'x86-as-posted', c.params, c.expected.reviewed, ALL_HOLD, c.suffix);
    });
  }
});

describe('xen-remove-from-physmap: what the traces say', () => {
  const run = (variant: string, params: Params = {}) => {
    const r = check(model, properties, { variant, params });
    if (r.status !== 'violated') throw new Error(`expected a violation, got ${r.status}`);
    const m = compileModel(model, { variant, params });
    const trace = (property: string) => {
      const v = r.violations.find((x) => x.property === property);
      if (!v) throw new Error(`no violation of ${property}`);
      return { v, steps: expandPath(m, v.path).steps };
    };
    return { r, trace };
  };

  it('the ia64 hunk under x86 locking returns holding the gfn lock: no put_gfn on its path', () => {
    const { trace } = run('ia64-hunk-on-x86');
    const { v, steps } = trace('locks-released');
    expect(v.message).toBe('cpu0/remove_from_physmap ended holding p2m->lock');
    expect(steps.map((s) => s.label)).toContain('arch_memory_op: mfn = gmfn_to_mfn(d, xrfp.gpfn) [on x86: get_gfn, which takes the gfn lock]');
    expect(steps.some((s) => s.label.includes('put_gfn'))).toBe(false);
    expect(steps.at(-1)!.label).toBe('arch_memory_op: rcu_unlock_domain(d)');
  });

  it('the ia64 hunk under x86 locking: the guest vCPU faulting on the gfn spins forever, and domain_kill waits for it', () => {
    const { trace } = run('ia64-hunk-on-x86');
    const { v } = trace('deadlock');
    expect(v.blocked).toEqual([
      {
        thread: 'cpu1/guest-vcpu',
        at: 'get_gfn',
        label: 'hvm_hap_nested_page_fault: mfn = get_gfn_type_access(p2m, gfn, &p2mt, &p2ma, p2m_guest, NULL)',
        waitsFor: 'p2m->lock, held by cpu0/remove_from_physmap',
      },
      {
        thread: 'cpu2/domain_kill',
        at: 'pause',
        label: 'domain_kill: domain_pause(d)',
        waitsFor: 'the guest vCPU to leave the hypervisor (vcpu_sleep_sync)',
      },
    ]);
  });

  it('the ia64 hunk under x86 locking, without a guest fault: the RCU callback of domain destruction spins in p2m_teardown', () => {
    const { trace } = run('ia64-hunk-on-x86', { guestFault: false });
    const { v } = trace('deadlock');
    expect(v.blocked?.map((b) => `${b.thread}: ${b.label}: ${b.waitsFor}`)).toEqual([
      'cpu2/rcu-callback: p2m_teardown: p2m_lock(p2m): p2m->lock, held by cpu0/remove_from_physmap',
    ]);
  });

  it('the -EPERM early return drops its RCU reference (rcu-unlocked holds) in every variant', () => {
    for (const variant of Object.keys(model.variants)) {
      const r = check(model, properties, { variant, property: ['rcu-unlocked'] });
      expect(r.status).toBe('verified');
    }
    const m = compileModel(model, { variant: 'reviewed' });
    expect(m.allActions.map((a) => a.label)).toContain('arch_memory_op: rcu_unlock_domain(d); return -EPERM');
  });

  it('with add_to_physmap the ABBA deadlock is there in the reviewed code too', () => {
    const { trace } = run('reviewed', { addToPhysmap: true });
    const { v } = trace('deadlock');
    const waits = v.blocked!.map((b) => `${b.thread} waits for ${b.waitsFor}`);
    expect(waits).toContain('cpu1/add_to_physmap waits for d->domain_lock, held by cpu0/remove_from_physmap');
    expect(waits.some((w) => w.startsWith('cpu0/remove_from_physmap waits for p2m->lock, held by cpu1/add_to_physmap'))).toBe(true);
  });
});

describe('xen-remove-from-physmap: the RCU and lock-order checks are not vacuous', () => {
  it('the domain is freed in some run, and call_rcu does find a reader to wait for', () => {
    const freed = check(model, [invariant<{ domain: { freed: boolean } }>('never-freed', 'd is never freed', (s) => !s.vars.domain.freed)], {
      variant: 'reviewed',
    });
    expect(freed.status).toBe('violated');
    const waited = check(
      model,
      [invariant<{ rcu: { waitFor: boolean[] } }>('no-wait', 'call_rcu never waits', (s) => !s.vars.rcu.waitFor.some((w) => w))],
      { variant: 'reviewed' },
    );
    expect(waited.status).toBe('violated');
    if (waited.status !== 'violated') return;
    const labels = expandPath(compileModel(model, { variant: 'reviewed' }), waited.violations[0]!.path).steps.map((s) => s.label);
    expect(labels.at(-1)).toBe('domain_destroy: call_rcu(&d->rcu, complete_domain_destroy)');
    expect(labels[0]).toBe('arch_memory_op: rc = rcu_lock_target_domain_by_id(xrfp.domid, &d)');
  });

  it('the reviewed hypercall records domain_lock -> gfn lock, and nothing records the reverse', () => {
    const reversed = check(
      model,
      [invariant<{ order: { after: boolean[][] } }>('no-reverse', 'p2m before domain never seen', (s) => !s.vars.order.after[1]![0])],
      { variant: 'reviewed', params: { hypercalls: 2, rounds: 2 } },
    );
    expect(reversed.status).toBe('verified');
    const forward = check(
      model,
      [invariant<{ order: { after: boolean[][] } }>('no-forward', 'domain before p2m never seen', (s) => !s.vars.order.after[0]![1])],
      { variant: 'reviewed' },
    );
    expect(forward.status).toBe('violated');
  });
});

describe('xen-remove-from-physmap: the code each variant encodes', () => {
  const labels = (variant: string) => compileModel(model, { variant }).allActions;

  it('every step is labelled "function: C statement"', () => {
    for (const variant of Object.keys(model.variants))
      for (const a of labels(variant)) {
        expect(a.label).toMatch(/^[a-z_0-9]+: \S/);
        expect(a.fn).toBe(a.label.slice(0, a.label.indexOf(':')));
      }
  });

  it('the x86 hunk as posted (as in the seed) and reviewed use get_gfn_untyped and put_gfn; the ia64 hunk gmfn_to_mfn and no put_gfn', () => {
    const of = (variant: string) => labels(variant).filter((a) => a.thread === 0).map((a) => a.label);
    const ia64 = of('ia64-hunk-on-x86');
    expect(ia64.filter((l) => l.includes('gmfn_to_mfn'))).toEqual(['arch_memory_op: mfn = gmfn_to_mfn(d, xrfp.gpfn) [on x86: get_gfn, which takes the gfn lock]']);
    expect(ia64.some((l) => l.includes('put_gfn'))).toBe(false);
    for (const variant of ['x86-as-posted', 'reviewed']) {
      const l = of(variant);
      expect(l.filter((x) => x.includes('get_gfn_untyped'))).toHaveLength(1);
      expect(l.some((x) => x.includes('gmfn_to_mfn'))).toBe(false);
      expect(l).toContain('arch_memory_op: put_gfn(d, xrfp.gpfn)');
    }
  });

  it('read one kernel at a time: the variants\' listings differ only in their fragment (the lookup and put_gfn)', () => {
    const listing = (variant: string) => listingLines(model, variant);
    const [x86, ia64, reviewed] = [listing('x86-as-posted'), listing('ia64-hunk-on-x86'), listing('reviewed')];
    // On x86 the reviewed code is the posted x86 code: only the lookup's note differs.
    expect(linesOnlyIn(reviewed, x86)).toEqual(['    arch_memory_op: mfn = get_gfn_untyped(d, xrfp.gpfn) [#ifdef: the x86 branch]']);
    expect(linesOnlyIn(x86, reviewed)).toEqual(['    arch_memory_op: mfn = get_gfn_untyped(d, xrfp.gpfn)']);
    expect(linesOnlyIn(ia64, x86)).toEqual([
      '    arch_memory_op: mfn = gmfn_to_mfn(d, xrfp.gpfn) [on x86: get_gfn, which takes the gfn lock]',
      '    arch_memory_op: if ( mfn_valid(mfn) ) [INVALID_MFN]  -> domain_unlock',
      '    guest_physmap_remove_page: gfn_unlock(p2m, gfn, page_order)  -> domain_unlock',
    ]);
    expect(linesOnlyIn(x86, ia64)).toEqual([
      '    arch_memory_op: mfn = get_gfn_untyped(d, xrfp.gpfn)',
      '    arch_memory_op: if ( mfn_valid(mfn) ) [INVALID_MFN]  -> put_gfn',
      '    guest_physmap_remove_page: gfn_unlock(p2m, gfn, page_order)  -> put_gfn',
      '    arch_memory_op: put_gfn(d, xrfp.gpfn)', // (its location id 'put_gfn' is the guest vCPU's too)
    ]);
  });

  it('the hypercall callers are one program (a thread kind), each with its round counter as a local', () => {
    const m = compileModel(model, { variant: 'reviewed', params: { hypercalls: 2, rounds: 2 } });
    expect(programListing(m)).toContain('thread kind remove_from_physmap runs as: cpu0/remove_from_physmap, cpu1/remove_from_physmap\n');
    expect((m.vars(m.init) as unknown as { $local: unknown }).$local).toEqual({ 'cpu0/remove_from_physmap': { round: 0 }, 'cpu1/remove_from_physmap': { round: 0 } });
  });

  it('steps give the same states through views as through immer on the non-default paths', () => {
    for (const variant of ['ia64-hunk-on-x86', 'reviewed'])
      for (const params of [{ addToPhysmap: true }, { p2mLockRecursive: false }, { hypercalls: 2, rounds: 2 }] as Record<string, number | boolean>[])
        expect(expectViewsMatchProduce(model, { variant, params }, 2000).states).toBeGreaterThan(0);
  });

  it('is registered as a bundled model', () => {
    const entry = bundled.find((e) => e.model.name === 'xen-remove-from-physmap');
    expect(entry?.source).toBe('models/xen-remove-from-physmap.ts');
    expect(entry?.properties).toBe(properties);
  });
});

describe('xen-remove-from-physmap: what a run cannot exercise is reported so, never a plain "holds"', () => {
  const unexercised = (variant: string, params: Params): string[] => {
    const r = check(model, properties, { variant, params });
    if (r.status === 'error') throw new Error(r.message);
    return r.properties.flatMap((p) => (p.status === 'holds' && p.notExercised ? [p.name] : []));
  };
  // Every run ends (no thread loops), so the built-in livelock check holds vacuously.
  it('at the defaults every property of every variant is exercised, but livelock (no run loops)', () => {
    for (const variant of Object.keys(model.variants)) expect(unexercised(variant, {})).toEqual(['livelock']);
  });
  it('without domain destruction nothing is freed: no-free-under-reader is not exercised', () => {
    expect(unexercised('reviewed', { guestFault: false, destroy: false })).toEqual(['livelock', 'no-free-under-reader']);
  });
});
