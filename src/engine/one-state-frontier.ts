// A frontier of at most one state: what replay uses, since following a recorded path gives
// each state exactly one successor. `onPush` sees every state pushed (a copy is the caller's
// to make), which is how replay collects the states the search core computed.

import type { Frontier } from './frontier.js';

export class OneStateFrontier implements Frontier {
  private readonly slot: Int32Array;
  private full = false;
  private pendingId = -1;
  private pendingDepth = 0;
  id = -1;
  depth = 0;

  constructor(
    width: number,
    private readonly onPush?: (state: Int32Array, id: number, depth: number) => void,
  ) {
    this.slot = new Int32Array(width);
  }

  get size(): number {
    return this.full ? 1 : 0;
  }

  push(state: Int32Array, id: number, depth: number): void {
    if (this.full) throw new Error('one-state frontier: a second state was pushed (the chooser followed more than one action)');
    this.slot.set(state.subarray(0, this.slot.length));
    this.full = true;
    this.pendingId = id;
    this.pendingDepth = depth;
    this.onPush?.(this.slot, id, depth);
  }

  pop(into: Int32Array): boolean {
    if (!this.full) return false;
    into.set(this.slot);
    this.full = false;
    this.id = this.pendingId;
    this.depth = this.pendingDepth;
    return true;
  }

  bytes(): number {
    return this.slot.byteLength;
  }
}
