// Types of bench/lib.mjs (for the test that imports it).
/** The 1, 5 and 15 minute load averages from /proc/loadavg (`'n/a'` where there is none). */
export declare function loadavg(): string;
/** The median of the finite numbers of `xs`; NaN when none is finite. */
export declare function median(xs: readonly number[]): number;
/** A distribution-free confidence interval of the median (order statistics k and n + 1 - k). */
export declare function medianCI(
  xs: readonly number[],
  level?: number,
): { median: number; lo: number; hi: number; k: number; coverage: number; n: number };
/** A seeded pseudo-random generator of numbers in [0, 1). */
export declare function seededRandom(seed: number): () => number;
/** The order of each round of an A/B benchmark (`true`: A first), balanced in pairs. */
export declare function balancedOrders(rounds: number, random: () => number): boolean[];
