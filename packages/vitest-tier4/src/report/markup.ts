/**
 * Building HTML and SVG text safely: every text and attribute value goes through {@link esc}. Pure.
 */

/** Escapes text for HTML/SVG content and double-quoted attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Attribute values: `undefined`, `null` and `false` leave the attribute out; `true` writes it bare. */
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/**
 * ` name="value"` pairs, escaped, in insertion order. Numbers are coordinates written with at most 2
 * decimals, except in `data-*` attributes, which carry the data exactly (the browser test reads them).
 */
export function attrs(a: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null || v === false) continue;
    if (v === true) out += ` ${k}`;
    else out += ` ${k}="${esc(typeof v === 'number' && !k.startsWith('data-') ? round2(v) : v)}"`;
  }
  return out;
}

/** An element with already-escaped inner markup (`children`), or self-closing without it. */
export function el(tag: string, a: Attrs, ...children: string[]): string {
  const inner = children.join('');
  return children.length === 0 && SVG_VOID.has(tag) ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${inner}</${tag}>`;
}

const SVG_VOID = new Set(['rect', 'line', 'circle', 'path', 'polyline', 'polygon', 'meta', 'br']);

/** Rounds a coordinate to 2 decimals (keeps the SVG small) and prints it without a trailing `.00`. */
export function round2(v: number): string {
  if (!Number.isFinite(v)) return '0';
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}
