/**
 * A small seeded generator (mulberry32) returning numbers in [0, 1), so a
 * failing run can be replayed from its seed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `DUET_TEST_SEED`, else a fresh one. */
export function testSeed(): number {
  const given = Number(Deno.env.get("DUET_TEST_SEED"));
  return Number.isInteger(given) && given > 0 ? given : 1 + Math.floor(Math.random() * 2 ** 31);
}

/**
 * Runs `test` with a generator seeded from {@linkcode testSeed}; when it
 * throws, prints the seed and how to replay it, then rethrows.
 */
export async function withTestSeed<T>(
  test: (next: () => number, seed: number) => T | Promise<T>,
): Promise<T> {
  const seed = testSeed();
  try {
    return await test(seededRandom(seed), seed);
  } catch (error) {
    console.error(`Failed with seed ${seed}: replay with DUET_TEST_SEED=${seed}`);
    throw error;
  }
}
