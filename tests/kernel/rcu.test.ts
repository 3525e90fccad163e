// RCU: the callback waits for the readers that predate call_rcu(); unpublish first, or a reader
// that finds the object after call_rcu() is not waited for.
import { describe, expect, it } from 'vitest';
import { defineModel, step, thread, END } from '../../src/model/index.js';
import { rcu, rcuReadLock, rcuReadUnlock, callRcu, rcuGracePeriodOver, rcuCallbackStart, rcuReaders, type Rcu } from '../../src/kernel/index.js';
import { defineProperties, invariant } from '../../src/property/index.js';
import { check } from '../../src/engine/index.js';

type S = { published: boolean; freed: boolean; rcu: Rcu };

const model = defineModel<S>({
  name: 'rcu-free',
  doc: 'lookup under RCU against unpublish + call_rcu(free)',
  params: {},
  variants: { 'unpublish-first': 'unpublish, then call_rcu', 'call-rcu-first': 'call_rcu, then unpublish' },
  build({ variant }) {
    const reader = thread<S>('reader', [
      step('lookup', 'reader: p = lookup()', {
        run: (d, env) => {
          if (d.published) rcuReadLock(d.rcu, env.self);
        },
        next: (s, env) => (s.rcu.reader[env.self] ? 'unlock' : END),
      }),
      step('unlock', 'reader: rcu_read_unlock()', { run: (d, env) => rcuReadUnlock(d.rcu, env.self), next: END }),
    ]);
    const unpublish = step<S>('unpublish', 'updater: unpublish(p)', { run: (d) => void (d.published = false) });
    const call = step<S>('call_rcu', 'updater: call_rcu(free)', { run: (d) => callRcu(d.rcu) });
    const updater = thread<S>('updater', variant === 'unpublish-first' ? [unpublish, call] : [call, unpublish]);
    const callback = thread<S>('callback', [
      step('gp', 'rcu: free(p)', {
        guard: (s) => rcuGracePeriodOver(s.rcu),
        run: (d) => {
          rcuCallbackStart(d.rcu);
          d.freed = true;
        },
        end: true,
      }),
    ]);
    return { init: { published: true, freed: false, rcu: rcu(3) }, threads: [reader, updater, callback] };
  },
});
const props = defineProperties<S>('rcu-free', [
  invariant('no-free-under-reader', 'p is not freed while a reader holds it', (s) => !s.vars.freed || rcuReaders(s.vars.rcu).length === 0),
]);

describe('rcu', () => {
  it('a grace period covers exactly the readers present at call_rcu()', () => {
    const r = rcu(2);
    rcuReadLock(r, 0);
    callRcu(r);
    rcuReadLock(r, 1); // a later reader does not delay the callback
    expect(rcuGracePeriodOver(r)).toBe(false);
    rcuReadUnlock(r, 0);
    expect(rcuGracePeriodOver(r)).toBe(true);
    expect(rcuReaders(r)).toEqual([1]);
    rcuCallbackStart(r);
    expect(rcuGracePeriodOver(r)).toBe(false);
  });

  it('unpublish then call_rcu: never freed under a reader', () => {
    expect(check(model, props, { variant: 'unpublish-first' }).status).toBe('verified');
  });

  it('call_rcu before unpublish: a reader that finds p afterwards is not waited for', () => {
    const r = check(model, props, { variant: 'call-rcu-first' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.violations[0]!.path).toHaveLength(3); // call_rcu, reader's lookup, free
  });
});
