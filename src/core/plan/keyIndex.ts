/**
 * Keys to positions in the caller's list, in one typed array: the planner's
 * indexes of every row's or stored department's code (and id,
 * openDepartmentId, name), where a Map<string, ...> cost ~45 bytes an entry
 * in the old generation (a 1,000,000-department import held two or three at
 * once, and everything an import promotes stays to its end: bench/README.md).
 * Here an entry is one 8-byte slot at a load of at most three quarters (~11-21 bytes).
 *
 * The index stores positions only: a key is read back from the list through
 * `keyAt` when a probe must compare it, so the caller keeps the rule that a
 * position's key does not change while the index holds it.
 *
 * Open addressing with linear probing over a power-of-two table. The hash is
 * seeded at random per process, as V8 seeds its own string hash, so that a
 * file cannot be made of keys that all collide (planning would turn quadratic).
 */
const EMPTY = 0;
const MIN_CAPACITY = 16;
const SEED = (Math.random() * 0x1_0000_0000) >>> 0;

/** A 32-bit hash of `key` (MurmurHash-style mixing of UTF-16 code units, seeded). */
export function hashKey(key: string): number {
  let h = SEED ^ key.length;
  for (let i = 0; i < key.length; i++) {
    let k = Math.imul(key.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Slots for `entries` keys at a load of at most three quarters. */
function capacityFor(entries: number): number {
  let capacity = MIN_CAPACITY;
  while (capacity * 3 < entries * 4) capacity *= 2;
  return capacity;
}

export class KeyIndex {
  /**
   * Two int32 per slot: position + 1 (EMPTY where no entry is), then the key's
   * hash. A probe compares hashes and reads a key back only when they agree:
   * reading one is a walk through the caller's objects (a row, its fields,
   * the string), ~3 cache misses, which made planning 1,000,000 rows ~4 s
   * slower when every probed slot read its key.
   */
  private slots: Int32Array;
  private entries = 0;

  /** `expected`: how many keys will be added (the table is made at that size, not grown to it). */
  constructor(
    private readonly keyAt: (position: number) => string,
    expected = 0,
  ) {
    this.slots = new Int32Array(2 * capacityFor(expected));
  }

  get size(): number {
    return this.entries;
  }

  /** The position `key` is at, or -1. */
  get(key: string): number {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    const hash = hashKey(key);
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const held = slots[2 * i]!;
      if (held === EMPTY) return -1;
      if (slots[2 * i + 1] === hash && this.keyAt(held - 1) === key) return held - 1;
    }
  }

  /** `key` at `position`, replacing the position it was at (as Map.set does). */
  set(key: string, position: number): void {
    this.put(key, position, true);
  }

  /** The position `key` is at already; else adds it at `position` and returns -1. */
  addIfAbsent(key: string, position: number): number {
    return this.put(key, position, false);
  }

  clear(): void {
    this.slots = new Int32Array(2 * MIN_CAPACITY);
    this.entries = 0;
  }

  private put(key: string, position: number, replace: boolean): number {
    if (!(position >= 0 && position < 0x7fff_ffff)) throw new RangeError(`key index: position ${position} out of range`);
    if ((this.entries + 1) * 4 > (this.slots.length >>> 1) * 3) this.grow();
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    const hash = hashKey(key);
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const held = slots[2 * i]!;
      if (held === EMPTY) {
        slots[2 * i] = position + 1;
        slots[2 * i + 1] = hash;
        this.entries++;
        return -1;
      }
      if (slots[2 * i + 1] === hash && this.keyAt(held - 1) === key) {
        if (replace) slots[2 * i] = position + 1;
        return held - 1;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = (slots.length >>> 1) - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] === EMPTY) continue;
      const hash = old[j + 1]!;
      let i = hash & mask;
      while (slots[2 * i] !== EMPTY) i = (i + 1) & mask;
      slots[2 * i] = old[j]!;
      slots[2 * i + 1] = hash;
    }
    this.slots = slots;
  }
}
