// The control block shared by the orchestrator and every worker of one run: a stop flag (Ctrl-C,
// a bound, a worker's error), a barrier between levels, a doorbell per worker (a peer sent it
// states), and a board of per-worker counters the main thread reads for progress. All of it
// lives in SharedArrayBuffers and is read and written with Atomics, so the main thread can stop
// a search it cannot otherwise interrupt (the workers never yield to their event loops).
//
// Every blocking wait is an Atomics.wait with a timeout that re-checks the stop flag, so a
// stopped or failed run never leaves a worker waiting for a peer that has gone.
//
// It also holds a solo phase: while the levels are small, one worker (the lead) expands them
// alone and the barriers count it alone; the other workers are parked until the lead decides, at
// a level end, that they join again (or that the search is over). A run that starts alone is led
// by the first worker ready to search (the others are still loading the model then); any other
// run by worker 0.

export const STOP = {
  none: 0,
  interrupted: 1,
  maxStates: 2,
  maxTime: 3,
  maxMemory: 4,
  error: 5,
} as const;

export type StopCode = (typeof STOP)[keyof typeof STOP];

// Words read on every poll (stop, bells) and the claim counters (one per worker's frontier share,
// written every few expansions, mostly by that worker: frontier.ts) live on different 64-byte
// cache lines, so a counter's traffic does not make every poll, or the other counters, miss.
const I_STOP = 0;
const I_BAR_COUNT = 1;
const I_BAR_GEN = 2;
/** 1 while the lead searches alone (the barriers then count it alone), else 0. */
const I_SOLO = 3;
/** Checkpoints written by the orchestrator (workers wait for the one they sent their parts for). */
const I_CKPT = 8;
/** 1 + the barrier generation whose release began the current (or last) solo phase; 0: none yet. */
const I_SOLO_GEN = 9;
/** The lead: the worker that expands the solo levels; -1 until the first worker ready takes it (soloFromStart). */
const I_LEAD = 10;
/** Workers parked now (in awaitJoin): ready to search, waiting for the lead to let them join. */
const I_PARKED = 11;
const I_BELLS = 32;
/** Words between two claim counters: each on a 64-byte cache line of its own. */
const CLAIM_STRIDE = 16;
/** The first claim counter (one per worker's frontier share), after the bells, on a line of its own. */
const claimsAt = (workers: number): number => Math.ceil((I_BELLS + workers) / CLAIM_STRIDE) * CLAIM_STRIDE;

/** Per-worker counters on the board (Float64 slots, stride BOARD_STRIDE). */
export const B = {
  states: 0,
  transitions: 1,
  queue: 2,
  depth: 3,
  /** New states this worker stored in the level being built. */
  fresh: 4,
  /** Violations this worker recorded while building the current level. */
  found: 5,
  rss: 6,
} as const;
const BOARD_STRIDE = 8;
/** Global slots after the per-worker ones, written by worker 0 between the two level barriers. */
export const G = {
  /** States in the level just built. */
  levelSize: 0,
  /** 1 when the search ends after this level (nothing new, or --first found a violation). */
  done: 1,
  /** 1 when every worker sends its part of a checkpoint at this level's end (src/parallel/checkpoint.ts). */
  save: 2,
  /** The depth the parked workers expand when they join again (written before the solo phase ends). */
  joinLevel: 3,
  /**
   * A sequential task's liveness analysis (src/engine/liveness/meter.ts), for the orchestrator's
   * progress: its pass now (0: not analysing), the passes planned, the states the pass visited.
   */
  analysisPass: 4,
  analysisPasses: 5,
  analysisVisited: 6,
} as const;
const GLOBALS = 7;

const WAIT_MS = 50;

export class Control {
  readonly i32: Int32Array;
  readonly board: Float64Array;
  /** Where the claim counters begin in i32. */
  private readonly claims: number;
  /** The generation of the last barrier this worker passed (0: none yet). */
  private passed = 0;
  /** endSolo was called in the `last` of the barrier under way. */
  private ending = false;

  static allocate(workers: number): { control: SharedArrayBuffer; board: SharedArrayBuffer } {
    return {
      // The bells, then the claim counters.
      control: new SharedArrayBuffer((claimsAt(workers) + workers * CLAIM_STRIDE) * 4),
      board: new SharedArrayBuffer((workers * BOARD_STRIDE + GLOBALS) * 8),
    };
  }

  constructor(
    control: SharedArrayBuffer,
    board: SharedArrayBuffer,
    readonly workers: number,
  ) {
    this.i32 = new Int32Array(control);
    this.board = new Float64Array(board);
    this.claims = claimsAt(workers);
  }

  get stopCode(): number {
    return Atomics.load(this.i32, I_STOP);
  }

  get stopped(): boolean {
    return Atomics.load(this.i32, I_STOP) !== STOP.none;
  }

  /** Ask every worker to stop; the first reason wins. Returns whether this call set it. */
  stop(code: StopCode): boolean {
    const won = Atomics.compareExchange(this.i32, I_STOP, STOP.none, code) === STOP.none;
    Atomics.notify(this.i32, I_BAR_GEN);
    Atomics.notify(this.i32, I_SOLO);
    for (let w = 0; w < this.workers; w++) {
      Atomics.add(this.i32, I_BELLS + w, 1);
      Atomics.notify(this.i32, I_BELLS + w);
    }
    return won;
  }

  /**
   * Wait until every worker has arrived; false when the run was stopped meanwhile. `idle` runs
   * while waiting (the Dedup's poll: a waiting worker is between expansions).
   * `last` runs in the worker that arrives last, before any is let go: work that needs every
   * worker's part done and must be done before any goes on, without a second barrier for it.
   */
  barrier(idle?: () => void, last?: () => void): boolean {
    const i32 = this.i32;
    const gen = Atomics.load(i32, I_BAR_GEN);
    this.passed = gen + 1;
    // The party changes only in `last`, before the release: every arrival at one barrier reads the same.
    const party = Atomics.load(i32, I_SOLO) === 1 ? 1 : this.workers;
    if (Atomics.add(i32, I_BAR_COUNT, 1) === party - 1) {
      // A throw here leaves the peers waiting until the run is stopped (a worker's error stops it).
      last?.();
      Atomics.store(i32, I_BAR_COUNT, 0);
      Atomics.add(i32, I_BAR_GEN, 1);
      Atomics.notify(i32, I_BAR_GEN);
      if (this.ending) {
        this.ending = false;
        Atomics.store(i32, I_SOLO, 0);
        Atomics.notify(i32, I_SOLO);
      }
      return !this.stopped;
    }
    for (;;) {
      if (Atomics.load(i32, I_BAR_GEN) !== gen) return !this.stopped;
      if (this.stopped) return false;
      idle?.();
      Atomics.wait(i32, I_BAR_GEN, gen, WAIT_MS);
    }
  }

  /** Does the lead search alone now? */
  get solo(): boolean {
    return Atomics.load(this.i32, I_SOLO) === 1;
  }

  /**
   * The first worker ready searches alone from the start (the orchestrator, before any worker
   * starts): the others park as soon as they are ready, and the first levels need not wait for
   * them. Not worker 0 by rule: the clock of a run starts with the first worker that starts
   * searching (pool.ts), and worker 0 is not always the first ready (its thread may boot or load
   * the model later than another's, bench/README.md "session 11"); with worker 0 leading, a
   * peer ready before it waited parked, on the clock, until worker 0 was ready too.
   */
  soloFromStart(): void {
    Atomics.store(this.i32, I_LEAD, -1);
    Atomics.store(this.i32, I_SOLO_GEN, 1);
    Atomics.store(this.i32, I_SOLO, 1);
  }

  /**
   * A worker ready to search: the run's lead (see soloFromStart; worker 0 when the run did not
   * start alone), which this worker becomes when it is the first to ask.
   */
  takeLead(me: number): number {
    const was = Atomics.compareExchange(this.i32, I_LEAD, -1, me);
    return was === -1 ? me : was;
  }

  /** In a barrier's `last`, all workers there: the lead goes on alone after this barrier. */
  beginSolo(): void {
    Atomics.store(this.i32, I_SOLO_GEN, Atomics.load(this.i32, I_BAR_GEN) + 2);
    Atomics.store(this.i32, I_SOLO, 1);
  }

  /**
   * Did the solo phase begin at the last barrier this worker passed (or at the start, before
   * any)? Exact even when the lead has already ended that phase: a new one cannot begin before
   * this worker has arrived at another barrier.
   */
  soloBeganForMe(): boolean {
    return Atomics.load(this.i32, I_SOLO_GEN) === this.passed + 1;
  }

  /**
   * In a barrier's `last`, the lead alone there: the parked workers join again (or leave, when
   * the search is done) once this barrier has let the lead go. Write G.joinLevel and G.done
   * first. Not before the release: a worker that joined could reach the next barrier while this
   * one still counts the lead in.
   */
  endSolo(): void {
    this.ending = true;
  }

  /**
   * A parked worker: wait until the solo phase ends; false when the run was stopped meanwhile.
   * `idle` runs while waiting (the Dedup's poll, as at a barrier).
   */
  awaitJoin(idle: () => void): boolean {
    const i32 = this.i32;
    Atomics.add(i32, I_PARKED, 1);
    try {
      for (;;) {
        if (this.stopped) return false;
        if (Atomics.load(i32, I_SOLO) === 0) return true;
        idle();
        Atomics.wait(i32, I_SOLO, 1, WAIT_MS);
      }
    } finally {
      Atomics.sub(i32, I_PARKED, 1);
    }
  }

  /**
   * In a barrier's `last`, the lead alone there: is every other worker parked, i.e. ready to
   * search? A worker leaves awaitJoin only when a solo phase ends, and arrives at no barrier of
   * the lead's before it has left, so while the lead is alone this count only grows.
   */
  allParked(): boolean {
    return Atomics.load(this.i32, I_PARKED) === this.workers - 1;
  }

  /** Checkpoints written so far (a worker reads it before sending its part). */
  checkpoints(): number {
    return Atomics.load(this.i32, I_CKPT);
  }

  /** The orchestrator: the checkpoint the workers sent their parts for is written. */
  checkpointWritten(): void {
    Atomics.add(this.i32, I_CKPT, 1);
    Atomics.notify(this.i32, I_CKPT);
  }

  /** A worker: wait until a checkpoint after the `seen`-th is written; false when the run was stopped meanwhile. */
  awaitCheckpoint(seen: number): boolean {
    for (;;) {
      if (Atomics.load(this.i32, I_CKPT) !== seen) return true;
      if (this.stopped) return false;
      Atomics.wait(this.i32, I_CKPT, seen, WAIT_MS);
    }
  }

  /** Claim `n` entries of worker `w`'s share of the frontier being expanded: returns the first one's number in that share. */
  claim(w: number, n: number): number {
    return Atomics.add(this.i32, this.claims + w * CLAIM_STRIDE, n);
  }

  /** Entries of worker `w`'s share claimed so far (may pass the share's count). */
  claimed(w: number): number {
    return Atomics.load(this.i32, this.claims + w * CLAIM_STRIDE);
  }

  /** Worker 0, between the barriers of a level, when nobody claims. */
  resetClaims(): void {
    for (let w = 0; w < this.workers; w++) Atomics.store(this.i32, this.claims + w * CLAIM_STRIDE, 0);
  }

  /** Tell worker `w` that a message is waiting for it. */
  ring(w: number): void {
    Atomics.add(this.i32, I_BELLS + w, 1);
    Atomics.notify(this.i32, I_BELLS + w);
  }

  bell(w: number): number {
    return Atomics.load(this.i32, I_BELLS + w);
  }

  /** Sleep until worker `w`'s bell differs from `seen` (or a short timeout). */
  waitBell(w: number, seen: number): void {
    Atomics.wait(this.i32, I_BELLS + w, seen, WAIT_MS);
  }

  set(w: number, slot: number, v: number): void {
    this.board[w * BOARD_STRIDE + slot] = v;
  }

  get(w: number, slot: number): number {
    return this.board[w * BOARD_STRIDE + slot]!;
  }

  sum(slot: number): number {
    let s = 0;
    for (let w = 0; w < this.workers; w++) s += this.board[w * BOARD_STRIDE + slot]!;
    return s;
  }

  max(slot: number): number {
    let m = 0;
    for (let w = 0; w < this.workers; w++) m = Math.max(m, this.board[w * BOARD_STRIDE + slot]!);
    return m;
  }

  setGlobal(slot: number, v: number): void {
    this.board[this.workers * BOARD_STRIDE + slot] = v;
  }

  global(slot: number): number {
    return this.board[this.workers * BOARD_STRIDE + slot]!;
  }
}
