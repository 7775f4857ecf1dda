// Types of bench/lib.mjs (for the test that imports it).
/** The 1, 5 and 15 minute load averages from /proc/loadavg (`'n/a'` where there is none). */
export declare function loadavg(): string;
/** The median of the finite numbers of `xs`; NaN when none is finite. */
export declare function median(xs: readonly number[]): number;
