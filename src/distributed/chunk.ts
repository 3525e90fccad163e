// The frontier's unit of work: a chunk of states of one depth, each with its rank (its position
// in the sequential search's order at that depth), packed into one binary stream entry.
// Layout (little-endian): u32 count, u32 width, then per state f64 rank and `width` int32 words.
// A state in the visited set's level hash is one byte (1: halted by a BUG_ON, never expanded)
// followed by its words.

export function packChunk(width: number, ranks: readonly number[], states: readonly Buffer[]): Buffer {
  const stride = 8 + width * 4;
  const b = Buffer.alloc(8 + ranks.length * stride);
  b.writeUInt32LE(ranks.length, 0);
  b.writeUInt32LE(width, 4);
  for (let i = 0; i < ranks.length; i++) {
    const at = 8 + i * stride;
    b.writeDoubleLE(ranks[i]!, at);
    // The stored state's words (after its halted byte).
    states[i]!.copy(b, at + 8, 1, 1 + width * 4);
  }
  return b;
}

export interface Chunk {
  count: number;
  rank(i: number): number;
  /** Copy state i's words into `into`. */
  state(i: number, into: Int32Array): void;
}

export function unpackChunk(b: Buffer, width: number): Chunk {
  const count = b.readUInt32LE(0);
  if (b.readUInt32LE(4) !== width || b.length !== 8 + count * (8 + width * 4)) throw new Error(`a frontier chunk of ${b.length} bytes is not ${count} states of ${width} words`);
  const stride = 8 + width * 4;
  return {
    count,
    rank: (i) => b.readDoubleLE(8 + i * stride),
    state: (i, into) => {
      const at = 8 + i * stride + 8;
      for (let k = 0; k < width; k++) into[k] = b.readInt32LE(at + k * 4);
    },
  };
}

/** A state as the level hash stores it: the halted byte, then its words. */
export function packState(state: Int32Array, halted: boolean): Buffer {
  const b = Buffer.alloc(1 + state.length * 4);
  b[0] = halted ? 1 : 0;
  for (let k = 0; k < state.length; k++) b.writeInt32LE(state[k]!, 1 + k * 4);
  return b;
}

/** A 64-bit fingerprint as an 8-byte key. */
export function fingerprintKey(hi: number, lo: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(hi >>> 0, 0);
  b.writeUInt32BE(lo >>> 0, 4);
  return b;
}
