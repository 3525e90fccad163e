// Xen XENMEM_remove_from_physmap (seed 002_9ba86e9fa4108ccd.txt: "[PATCH 01/18] xen: reinstate
// previously unused XENMEM_remove_from_physmap hypercall", Andres Lagar-Cavilla's Nack of
// 2012-01-18: "in the x86 case use get_gfn_untyped" and "you need to invoke put_gfn on your way
// out").
//
// Functions modelled (C in the seed unless marked):
//   arch_memory_op, case XENMEM_remove_from_physmap: rcu_lock_target_domain_by_id, the
//     xsm_remove_from_physmap check and its early return (rcu_unlock_domain; return -EPERM),
//     domain_lock, get_gfn_untyped (the x86 hunk, reviewed) or gmfn_to_mfn (the ia64 hunk),
//     mfn_valid, guest_physmap_remove_page, put_gfn (not in the ia64 hunk), domain_unlock,
//     rcu_unlock_domain.
//   guest_physmap_remove_page (Xen 4.2 p2m.c, not in the seed): gfn_lock; p2m_remove_page;
//     gfn_unlock.
//   hvm_hap_nested_page_fault (Xen 4.2, not in the seed): a vCPU of the target domain faulting
//     on the same gfn: get_gfn_type_access ... put_gfn. "Another vCPU that needs the same p2m
//     entry".
//   domain_kill / domain_destroy / complete_domain_destroy (Xen 4.2 common/domain.c, not in the
//     seed): domain_pause, is_dying, spin_barrier(&d->domain_lock), put_domain -> unhash from
//     domain_hash, call_rcu(complete_domain_destroy); the callback runs p2m_teardown (p2m_lock,
//     p2m_unlock, via arch_domain_destroy -> hap_final_teardown) and frees the struct domain.
//   Optional (addToPhysmap=true): XENMEM_add_to_physmap, XENMAPSPACE_gmfn, in the shape of Xen
//     4.2's xenmem_add_to_physmap_once (NOT in the seed, and I could not check the January-2012
//     text): get_gfn_unshare(d, xatp->idx) *before* domain_lock(d), put_gfn(d, idx) before
//     domain_unlock(d). Upstream still says why: "Finer grained locking would expose lock order
//     violations in the XENMAPSPACE_gmfn case (due to the earlier get_gfn_unshare() above)".
//
// Variants, named for the code they run (all three under x86's p2m locking, where the lookup
// takes the gfn lock):
//   x86-as-posted: the x86 hunk of the posted patch (xen/arch/x86/mm.c), verbatim in the seed:
//     `mfn = get_gfn_untyped(d, xrfp.gpfn)`, the mfn_valid() branch, then `put_gfn(d, xrfp.gpfn)`
//     before domain_unlock. It already pairs the lookup with put_gfn on every path that took it.
//   ia64-hunk-on-x86: the NACKed reading. The statements of the ia64 hunk (xen/arch/ia64/xen/mm.c),
//     the one Andres's comments are attached to: `mfn = gmfn_to_mfn(d, xrfp.gpfn)` and no put_gfn,
//     with gmfn_to_mfn read as x86's locking lookup ("gmfn_to_mfn has been deprecated in x86 ...
//     in the x86 case use get_gfn_untyped"). On ia64 itself put_gfn is a stub and its p2m lookup
//     takes no gfn lock, so the ia64 hunk leaks nothing on ia64; the leak below exists only if
//     those statements run with x86's get_gfn, which is the case the review guards against
//     ("you need to invoke put_gfn on your way out (no ifdef, ia64 has the stub)").
//   reviewed: what the review asks for, on x86: `#ifdef` gmfn_to_mfn (ia64) / get_gfn_untyped
//     (x86), and put_gfn on every path that took the gfn lock, after the mfn_valid() branch,
//     whether or not the page was removed. On x86 that compiles to the same statements as
//     x86-as-posted, so the two have the same verdicts and state counts (a test checks it).
//   In every variant the two earlier error exits (-ESRCH, -EPERM) are before the lookup, so they
//   hold no gfn lock and must not put_gfn (Xen's __put_gfn ASSERTs gfn_locked_by_me: the model
//   BUGs on an unlock by a non-owner).
//
// The gfn lock. In the Xen 4.2-era p2m.c I could read ("For now only perform locking on hap
// domains"; the target here is an HVM domain) get_gfn* takes gfn_lock(p2m, gfn), which is the
// whole p2m lock (mm-locks.h: `#define gfn_lock(p,g,o) p2m_lock(p)`). put_gfn drops it. I could not
// check whether get_gfn already locked on the day the patch was posted. If it did not, the leak
// was latent until it did, and Andres, who wrote that locking, asks for put_gfn because of it. guest_physmap_remove_page takes
// gfn_lock again while its caller still holds it from get_gfn, so the lock must be recursive
// for the holder's CPU. Xen makes it an mm_lock_recursive ("The write lock is recursive as it is
// common for a code path to look up a gfn and later mutate it"). A non-recursive mm_lock() taken
// twice by one CPU panics ("mm lock already held by %s"). I model it as a recursive spinlock owned
// by a CPU (p2mLockRecursive=true, the default, as in Xen). p2mLockRecursive=false shows what the
// non-recursive mm_lock would do: the panic, as an assertion. d->domain_lock is
// spin_lock_recursive too ("Per-domain lock can be recursively acquired in fault handlers").
//
// Threads. Each thread is a context on its own physical CPU (its index is the lock owner, as
// Xen's recurse_cpu is a CPU). The `hypercalls` callers are dom0 vCPUs issuing the hypercall
// against domain d, gpfn g. With rounds>1 a caller issues it again on the same CPU, where a
// leaked recursive lock is re-taken without spinning. The guest vCPU of d faults on g. The
// domain_kill caller and the CPU that runs the RCU callback are one thread each.
//
// How the code reads. The callers are one program (threadKind 'remove_from_physmap', spawned
// once per caller), each with its round counter as a thread-local variable. The code the
// variants differ in, arch_memory_op from the lookup to domain_unlock, is written out once per
// variant (byVariant): `kmc`'s programListing of two variants differs exactly there. Each C
// function's steps are grouped with func(); a label is the C statement, and what the model adds
// (which branch was taken, what a line means on x86) is its note, shown as `statement [note]`.
//
// Simplifications, and why they are sound for these properties:
// - copy_from_guest (-EFAULT) and IS_PRIV_FOR (-EPERM inside rcu_lock_target_domain_by_id) are
//   early returns that hold nothing; they are left out. The xsm early return, which holds the
//   RCU reference, is modelled. rcu_lock_target_domain_by_id is one step: the hash lookup and
//   rcu_lock_domain() run inside rcu_read_lock(&domlist_read_lock), with no quiescent state in
//   between, so the domain cannot be freed between them.
// - The lookup's result is not stored: `if ( mfn_valid(mfn) )` is a step of its own that reads the
//   p2m entry, with one action per outcome. That is the value the lookup returned, because the
//   entry's only writer (p2m_remove_page) needs the p2m lock, which the caller holds from the
//   lookup on. The mfn is valid only while the entry is mapped. With mfnCanBeInvalid the lookup
//   may also have returned INVALID_MFN while mapped: get_gfn_untyped reports INVALID_MFN for any
//   !p2m_is_valid type (paged out, mmio...). That only adds behaviours, so it is sound for safety.
// - The p2m entry is one boolean (mapped). Only the locks and the RCU reference matter to the
//   properties. The rest of p2m_remove_page (m2p update, set_p2m_entry) is the step that clears it.
// - RCU: Xen's rcu_read_lock was a no-op because a CPU inside a hypercall never passes a quiescent
//   state. The model keeps the API-level contract: the grace period waits for the threads between
//   rcu_lock_*domain* and rcu_unlock_domain when call_rcu ran. Xen's real grace period also waits
//   for any CPU busy in the hypervisor, so it ends no earlier. Ending it earlier can only
//   add frees-under-readers, so "holds" is sound. The guest vCPU is already out of Xen by then:
//   domain_pause waited for it. The deadlock reported in p2m_teardown (guestFault=false) occurs
//   after every hypercall thread has returned, so Xen's grace period would end there too.
// - domain_kill: the domctl_lock, evtchn/grant teardown and domain_relinquish_resources (which
//   take none of the locks modelled here) are left out. put_domain is the last reference, since
//   rcu_lock_domain_by_id takes none, so it goes straight to domain_destroy. The RCU callback runs
//   on a CPU of its own. On the CPU that leaked the p2m lock it would re-take the lock recursively
//   instead of spinning. Leaving that schedule out hides no violation, since it can only remove a
//   deadlock.
// - The guest vCPU faults at most once. Its first location is a valid end state, since a vCPU
//   may never fault and a paused vCPU never runs. domain_pause is vcpu_sleep_sync: it waits until
//   the vCPU is out of hvm_hap_nested_page_fault, then stops it from running.
// - In the add_to_physmap path the recursive re-takes between domain_lock and put_gfn(idx)
//   (get_gfn of the destination, guest_physmap_remove/add_page) are left out: a CPU re-taking a
//   lock it holds cannot wait and orders nothing. Its xsm check (no lock held) is left out too.
// - The lock-order record (`order`) is a ghost variable, lockdep's graph over the two lock
//   classes. A recursive re-take records nothing.
//
// Not modelled: Xen's per-CPU mm_lock_level (a leaked p2m lock also leaves the CPU's mm lock level
// raised, so a later lower-level mm lock on that CPU would BUG "mm locking order violation"),
// hypercall continuations, the compat (32-bit) entry, ia64.
//
// What the checker says (tests/models/xen-remove-from-physmap.test.ts pins it). x86-as-posted and
// reviewed hold every property at every size tested, with the same distinct-state counts (326 at
// the defaults). ia64-hunk-on-x86 violates locks-released (7 steps: the hypercall returns holding
// the gfn lock) and deadlock (8: the guest vCPU faulting on the gfn spins, domain_kill waits for
// it), and at hypercalls=2 rounds=2 lock-order too. These are the verdicts and counts the variant
// formerly called `as-posted` had (278 states): it was renamed because it is not the posted x86
// code, and x86-as-posted (the seed's x86 hunk) was added. With addToPhysmap every variant has the
// ABBA deadlock (add_to_physmap's Xen 4.2 shape, not the hypercall under review).

import {
  declareStraight, defineModel, step, choice, thread, threadKind, spawn, func, withNote, byVariant, intParam, boolParam, END,
  type Draft, type System, type LocationDef, type StepEnv, type ThreadDef,
} from '../src/model/index.js';
import {
  recursiveSpinlock,
  recursiveLockRef,
  spinLockRecursive,
  spinUnlockRecursive,
  spinBarrier,
  lockOrder,
  lockOrderNoteAcquire,
  rcu,
  rcuReadLock,
  rcuReadUnlock,
  callRcu,
  rcuGracePeriodOver,
  rcuCallbackStart,
  type RecursiveSpinlock,
  type RecursiveLockStepOptions,
  type LockOrder,
  type Rcu,
} from '../src/kernel/index.js';

export type S = {
  domain: {
    /** In domain_hash[]: rcu_lock_domain_by_id can find it. */
    hashed: boolean;
    /** domain_pause(d) has run: d's vCPUs do not run. */
    paused: boolean;
    /** d->is_dying != DOMDYING_alive. */
    dying: boolean;
    /** free_domain_struct(d) has run. */
    freed: boolean;
    /** d->domain_lock (spin_lock_recursive). */
    lock: RecursiveSpinlock;
  };
  p2m: {
    /** p2m->lock: gfn_lock(p2m, gfn) is p2m_lock(p2m) (mm_lock_recursive). */
    lock: RecursiveSpinlock;
    /** The p2m entry of gpfn g holds a valid mfn. */
    mapped: boolean;
  };
  /** RCU on struct domain d: its readers, and call_rcu(complete_domain_destroy). */
  rcu: Rcu;
  /** Ghost: lock acquisition order, class 0 = d->domain_lock, class 1 = p2m->lock. */
  order: LockOrder;
  /** The guest vCPU is inside hvm_hap_nested_page_fault (vcpu_sleep_sync must wait). */
  guestInXen: boolean;
};

/** The locals of a remove_from_physmap caller: the hypercalls it has completed. */
type Caller = { round: number };

// Frozen (no lockdep tracker knows them, and nothing changes them): a form may bind the table of
// lock classes, which the step compiler reads as constants (noteOrder below).
const DOMAIN_LOCK = Object.freeze(recursiveLockRef<S>('d->domain_lock', (s) => s.domain.lock));
const P2M_LOCK = Object.freeze(recursiveLockRef<S>('p2m->lock', (s) => s.p2m.lock));
const LOCK_CLASSES = Object.freeze([DOMAIN_LOCK, P2M_LOCK]);
const DOMAIN_CLASS = 0;
const P2M_CLASS = 1;

/** Xen's _mm_lock() panic when a non-recursive mm lock is taken again by its holder. */
const MM_LOCK_ALREADY_HELD = 'mm lock already held';

const AM = 'arch_memory_op';

export default defineModel({
  name: 'xen-remove-from-physmap',
  doc:
    'Xen XENMEM_remove_from_physmap: the x86 hunk as posted (get_gfn_untyped + put_gfn), the ia64 hunk\'s statements under x86 ' +
    'locking (gmfn_to_mfn, no put_gfn: the NACKed reading) and the reviewed form, ' +
    'racing a guest vCPU faulting on the same gfn, other callers, and domain destruction (RCU)',
  seed: '002_9ba86e9fa4108ccd.txt',
  params: {
    hypercalls: intParam(1, 'dom0 vCPUs issuing XENMEM_remove_from_physmap on the same domain and gpfn', { min: 1, max: 3 }),
    rounds: intParam(1, 'hypercalls each of those vCPUs issues, back to back on the same physical CPU', { min: 1, max: 3 }),
    guestFault: boolParam(true, 'a vCPU of the target domain takes an EPT violation on the same gfn (get_gfn ... put_gfn)'),
    xsmCanFail: boolParam(true, 'xsm_remove_from_physmap may deny the call (the -EPERM early return)'),
    mfnCanBeInvalid: boolParam(true, 'the lookup may return INVALID_MFN even while the gfn is mapped (mfn_valid fails)'),
    destroy: boolParam(true, 'the toolstack destroys the domain concurrently (domain_kill, domain_destroy, RCU callback)'),
    addToPhysmap: boolParam(
      false,
      'a dom0 vCPU issues XENMEM_add_to_physmap (XENMAPSPACE_gmfn) as in Xen 4.2: get_gfn_unshare before domain_lock (not in the seed)',
    ),
    p2mLockRecursive: boolParam(true, 'the p2m (gfn) lock is recursive for its holder, as Xen\'s mm_lock_recursive; false: a second take panics'),
  },
  variants: {
    'x86-as-posted': 'the x86 hunk as posted (xen/arch/x86/mm.c): mfn = get_gfn_untyped(d, gpfn), put_gfn(d, gpfn) before domain_unlock',
    'ia64-hunk-on-x86':
      'the NACKed reading: the ia64 hunk\'s statements (mfn = gmfn_to_mfn(d, gpfn), no put_gfn) with x86\'s locking lookup',
    reviewed:
      'what the review asks for, on x86: get_gfn_untyped (#ifdef, gmfn_to_mfn on ia64) and put_gfn(d, gpfn) on every path that took the gfn lock',
  },
  build({ params, variant }): System<S> {
    const hypercalls = params.hypercalls;
    const rounds = params.rounds;
    const mfnCanBeInvalid = params.mfnCanBeInvalid;
    const recursive = params.p2mLockRecursive;

    // Taking either lock records the order (first acquisitions only, see lock-order.ts); a second
    // take of the p2m lock by its holder panics unless the lock is recursive.
    const noteOrder = (cls: number) =>
      declareStraight((d: Draft<S>, env: StepEnv) => lockOrderNoteAcquire<S>(d, d.order, LOCK_CLASSES, cls, env.self), { bind: { lockOrderNoteAcquire, LOCK_CLASSES, cls } });
    const p2mLock = (id: string, fn: string, label: string, o: RecursiveLockStepOptions<S> = {}) =>
      spinLockRecursive<S>(id, fn, P2M_LOCK, {
        ...o,
        label,
        onAcquire: noteOrder(P2M_CLASS),
        onReentry: declareStraight((_d: Draft<S>, env: StepEnv) => env.bugOn(!recursive, MM_LOCK_ALREADY_HELD), { bind: { recursive, MM_LOCK_ALREADY_HELD } }),
      });
    const p2mUnlock = (id: string, fn: string, label: string, o: RecursiveLockStepOptions<S> = {}) =>
      spinUnlockRecursive<S>(id, fn, P2M_LOCK, { ...o, label });
    const domainLock = (id: string, fn: string, label: string, o: RecursiveLockStepOptions<S> = {}) =>
      spinLockRecursive<S>(id, fn, DOMAIN_LOCK, { ...o, label, onAcquire: noteOrder(DOMAIN_CLASS) });
    const domainUnlock = (id: string, fn: string, label: string, o: RecursiveLockStepOptions<S> = {}) =>
      spinUnlockRecursive<S>(id, fn, DOMAIN_LOCK, { ...o, label });

    // rcu_lock_target_domain_by_id: finds d only while it is hashed; then the caller is an RCU reader.
    const rcuLockTarget = <L extends object>(id: string, arg: string, ok: string, fail: string): LocationDef<S, L> =>
      step<S, L>(id, `rc = rcu_lock_target_domain_by_id(${arg}.domid, &d)`, {
        run: declareStraight((d, env) => {
          if (d.domain.hashed) rcuReadLock(d.rcu, env.self);
        }, { bind: { rcuReadLock } }),
        next: declareStraight((s, env) => (s.rcu.reader[env.self] ? ok : fail), { bind: { fail, ok } }),
      });

    // guest_physmap_remove_page (Xen 4.2 p2m.c, not in the seed): the same code in every variant;
    // it returns to `next` in its caller.
    const GPR = 'guest_physmap_remove_page';
    const guestPhysmapRemovePage = (next: string) =>
      func<S, Caller>(GPR, [
        p2mLock('gpr_lock', GPR, 'gfn_lock(p2m, gfn, page_order)'),
        step('gpr_remove', 'p2m_remove_page(p2m, gfn, mfn, page_order)', { run: (d) => void (d.p2m.mapped = false) }),
        p2mUnlock('gpr_unlock', GPR, 'gfn_unlock(p2m, gfn, page_order)', { next }),
      ]);
    // `if ( mfn_valid(mfn) )` reads the lookup's result: the entry cannot change in between, since
    // its only writer (p2m_remove_page) needs the p2m lock this CPU now holds. An invalid mfn
    // skips the removal and goes on at `invalid`.
    const mfnValid = (invalid: string) =>
      choice<S, Caller>('mfn_valid', [
        { label: 'if ( mfn_valid(mfn) )', note: 'valid mfn', guard: (s) => s.p2m.mapped, next: 'gpr_lock' },
        { label: 'if ( mfn_valid(mfn) )', note: 'INVALID_MFN', guard: declareStraight((s) => !s.p2m.mapped || mfnCanBeInvalid, { bind: { mfnCanBeInvalid } }), next: invalid },
      ]);

    // What the variants differ in: the lookup, and whether the gfn is put on the way out. Each
    // variant's arch_memory_op code from the lookup to domain_unlock, written out in full.
    const lookupToUnlock: LocationDef<S, Caller>[] = byVariant(variant, {
      // The seed's x86 hunk (xen/arch/x86/mm.c).
      'x86-as-posted': () => [
        p2mLock('get_gfn', AM, 'mfn = get_gfn_untyped(d, xrfp.gpfn)'),
        mfnValid('put_gfn'),
        ...guestPhysmapRemovePage('put_gfn'),
        p2mUnlock('put_gfn', AM, 'put_gfn(d, xrfp.gpfn)'),
      ],
      // The ia64 hunk's statements, with x86's locking lookup: no put_gfn.
      'ia64-hunk-on-x86': () => [
        withNote('on x86: get_gfn, which takes the gfn lock', p2mLock('get_gfn', AM, 'mfn = gmfn_to_mfn(d, xrfp.gpfn)')),
        mfnValid('domain_unlock'),
        ...guestPhysmapRemovePage('domain_unlock'),
      ],
      // What the review asks for, compiled for x86: the same statements as x86-as-posted.
      reviewed: () => [
        withNote('#ifdef: the x86 branch', p2mLock('get_gfn', AM, 'mfn = get_gfn_untyped(d, xrfp.gpfn)')),
        mfnValid('put_gfn'),
        ...guestPhysmapRemovePage('put_gfn'),
        p2mUnlock('put_gfn', AM, 'put_gfn(d, xrfp.gpfn)'),
      ],
    });

    // The hypercall under review, on the caller's CPU, `rounds` times: one program for every
    // caller, its round counter a local of the thread.
    const finish = (env: StepEnv<Caller>) => void (env.local.round += 1);
    const again = declareStraight((_s: S, env: StepEnv<Caller>) => (env.local.round < rounds ? 'rcu_lock' : END), { bind: { END, rounds } });
    const removeFromPhysmap = threadKind<S, Caller>('remove_from_physmap', { round: 0 }, [
      func<S, Caller>(AM, [
        rcuLockTarget<Caller>('rcu_lock', 'xrfp', 'xsm', 'esrch'),
        step('esrch', 'if ( rc != 0 ) return rc', { run: declareStraight((_d, env) => finish(env), { bind: { finish } }), next: again }),
        choice('xsm', [
          { label: 'if ( xsm_remove_from_physmap(current->domain, d) )', note: 'permitted', next: 'domain_lock' },
          ...(params.xsmCanFail ? [{ label: 'if ( xsm_remove_from_physmap(current->domain, d) )', note: 'denied', next: 'xsm_fail' }] : []),
        ]),
        step('xsm_fail', 'rcu_unlock_domain(d); return -EPERM', {
          run: declareStraight((d, env) => {
            rcuReadUnlock(d.rcu, env.self);
            finish(env);
          }, { bind: { finish, rcuReadUnlock } }),
          next: again,
        }),
        domainLock('domain_lock', AM, 'domain_lock(d)'),
        ...lookupToUnlock,
        domainUnlock('domain_unlock', AM, 'domain_unlock(d)'),
        step('rcu_unlock', 'rcu_unlock_domain(d)', {
          run: declareStraight((d, env) => {
            rcuReadUnlock(d.rcu, env.self);
            finish(env);
          }, { bind: { finish, rcuReadUnlock } }),
          next: again,
        }),
      ]),
    ]);

    // XENMEM_add_to_physmap, XENMAPSPACE_gmfn (Xen 4.2 shape; see the header).
    const XA = 'xenmem_add_to_physmap_once';
    const addToPhysmap = (cpu: number) =>
      thread<S>(`cpu${cpu}/add_to_physmap`, [
        ...func<S>(AM, [rcuLockTarget('rcu_lock', 'xatp', 'get_idx', 'esrch'), step('esrch', 'if ( rc != 0 ) return rc', { next: END })]),
        ...func<S>(XA, [
          p2mLock('get_idx', XA, 'idx = mfn_x(get_gfn_unshare(d, xatp->idx, &p2mt))'),
          domainLock('domain_lock', XA, 'domain_lock(d)'),
          p2mUnlock('put_idx', XA, 'put_gfn(d, gfn)'),
          domainUnlock('domain_unlock', XA, 'domain_unlock(d)'),
        ]),
        ...func<S>(AM, [step('rcu_unlock', 'rcu_unlock_domain(d)', { run: declareStraight((d, env) => rcuReadUnlock(d.rcu, env.self), { bind: { rcuReadUnlock } }), next: END })]),
      ]);

    // A vCPU of d taking an EPT violation on the same gfn.
    const NPF = 'hvm_hap_nested_page_fault';
    const guestVcpu = (cpu: number) =>
      thread<S>(`cpu${cpu}/guest-vcpu`, [
        step<S>('vmexit', 'vmx_vmexit_handler: case EXIT_REASON_EPT_VIOLATION', {
          guard: (s) => !s.domain.paused,
          blockedOn: () => 'its domain to be unpaused (domain_pause)',
          run: (d) => void (d.guestInXen = true),
          end: true,
        }),
        ...func<S>(NPF, [
          p2mLock('get_gfn', NPF, 'mfn = get_gfn_type_access(p2m, gfn, &p2mt, &p2ma, p2m_guest, NULL)'),
          p2mUnlock('put_gfn', NPF, 'put_gfn(p2m->domain, gfn)', { run: (d) => void (d.guestInXen = false), next: END }),
        ]),
      ]);

    // The toolstack destroying d: domain_kill, then put_domain's last reference -> domain_destroy.
    const domainKill = (cpu: number) =>
      thread<S>(`cpu${cpu}/domain_kill`, [
        ...func<S>('domain_kill', [
          step('pause', 'domain_pause(d)', {
            guard: (s) => !s.guestInXen,
            blockedOn: () => 'the guest vCPU to leave the hypervisor (vcpu_sleep_sync)',
            run: (d) => void (d.domain.paused = true),
          }),
          step('dying', 'd->is_dying = DOMDYING_dying', { run: (d) => void (d.domain.dying = true) }),
          spinBarrier<S>('barrier', 'domain_kill', DOMAIN_LOCK, { label: 'domain_kill: spin_barrier(&d->domain_lock)' }),
          step('put_domain', 'put_domain(d)', { note: 'last reference: domain_destroy(d)' }),
        ]),
        ...func<S>('domain_destroy', [
          step('unhash', 'rcu_assign_pointer(*pd, d->next_in_hashbucket)', { run: (d) => void (d.domain.hashed = false) }),
          step('call_rcu', 'call_rcu(&d->rcu, complete_domain_destroy)', { run: declareStraight((d) => callRcu(d.rcu), { bind: { callRcu } }), next: END }),
        ]),
      ]);

    // The CPU that runs the RCU callback once the grace period is over.
    const rcuCallback = (cpu: number) =>
      thread<S>(`cpu${cpu}/rcu-callback`, [
        step<S>('grace_period', 'rcu_process_callbacks: complete_domain_destroy(d)', {
          guard: declareStraight((s) => rcuGracePeriodOver(s.rcu), { bind: { rcuGracePeriodOver } }),
          blockedOn: (s) => (s.rcu.queued ? 'the RCU grace period (readers of d still inside)' : 'call_rcu()'),
          run: declareStraight((d) => rcuCallbackStart(d.rcu), { bind: { rcuCallbackStart } }),
          end: true,
        }),
        ...func<S>('p2m_teardown', [p2mLock('teardown_lock', 'p2m_teardown', 'p2m_lock(p2m)'), p2mUnlock('teardown_unlock', 'p2m_teardown', 'p2m_unlock(p2m)')]),
        step<S>('free', 'complete_domain_destroy: free_domain_struct(d)', { run: (d) => void (d.domain.freed = true), next: END }),
      ]);

    const threads: ThreadDef<S, any>[] = [];
    for (let i = 0; i < hypercalls; i++) threads.push(spawn(removeFromPhysmap, `cpu${threads.length}/remove_from_physmap`));
    if (params.addToPhysmap) threads.push(addToPhysmap(threads.length));
    if (params.guestFault) threads.push(guestVcpu(threads.length));
    if (params.destroy) {
      threads.push(domainKill(threads.length));
      threads.push(rcuCallback(threads.length));
    }
    const n = threads.length;
    return {
      init: {
        domain: { hashed: true, paused: false, dying: false, freed: false, lock: recursiveSpinlock() },
        p2m: { lock: recursiveSpinlock(), mapped: true },
        rcu: rcu(n),
        order: lockOrder(LOCK_CLASSES.length),
        guestInXen: false,
      },
      threads,
      // Symmetry (declaration only; kmc check --no-symmetry turns it off): the dom0 vCPUs
      // issuing the hypercall run one program; the RCU reader and grace-period snapshot are
      // indexed by thread, the lock holders are thread indices, and each caller's round counter
      // is its own local (it moves with the thread). They are threads 0..hypercalls-1, so
      // member i is thread i.
      ...(hypercalls >= 2
        ? {
            symmetry: [
              {
                name: 'hypercall vCPUs',
                members: Array.from({ length: hypercalls }, (_, i) => i),
                threads: (i: number) => [`cpu${i}/remove_from_physmap`],
                indexed: ['rcu.reader', 'rcu.waitFor'],
                threadValues: ['domain.lock.holder', 'p2m.lock.holder'],
              },
            ],
          }
        : {}),
    };
  },
});
