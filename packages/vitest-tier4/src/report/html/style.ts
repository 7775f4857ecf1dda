/** The report's inline stylesheet (no external font, image or script). */
export const STYLE = `
:root { --ok: #1a7f37; --warn: #9a6700; --fail: #cf222e; --ink: #1f2328; --dim: #656d76; --line: #d0d7de;
  --bg: #f6f8fa; --card: #ffffff; --bar: #4e79a7; --bar-edge: #e8a33d; --bar-over: #cf222e; --eager: #8c959f; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1220px; margin: 0 auto; padding: 20px 24px 40px; }
header.top { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; margin-bottom: 4px; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 18px; margin: 0; display: flex; align-items: center; gap: 10px; }
h3 { font-size: 14px; margin: 22px 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--dim); }
.sub { color: var(--dim); margin: 2px 0 14px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 12px; color: #fff; text-transform: uppercase; letter-spacing: .05em; }
.badge.ok { background: var(--ok); } .badge.warn { background: var(--warn); } .badge.fail { background: var(--fail); }
.badge.big { font-size: 15px; padding: 3px 14px; }
.st-ok { color: var(--ok); font-weight: 600; } .st-warn { color: var(--warn); font-weight: 600; } .st-fail { color: var(--fail); font-weight: 600; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin: 14px 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 9px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--dim); font-weight: 600; vertical-align: bottom; }
/* headers may wrap ("speed-up vs eager" on two lines) so a wide verdict table fits its card; figures do not */
td.num { text-align: right; white-space: nowrap; }
th.num { text-align: right; }
tr.reason td { color: var(--dim); border-bottom: 1px solid var(--line); padding-top: 0; font-size: 13px; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
ul.reasons { margin: 6px 0 0; padding-left: 20px; } ul.reasons li { margin: 2px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 14px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
figcaption { font-weight: 600; margin-bottom: 2px; }
figcaption .dim, .dim { color: var(--dim); font-weight: 400; }
.facts { color: var(--dim); font-size: 12.5px; margin: 2px 0 6px; }
.facts b { color: var(--ink); font-weight: 600; }
svg.chart { width: 100%; height: auto; max-width: 100%; display: block; font: 11px system-ui, sans-serif; }
svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg .axis { stroke: #8c959f; stroke-width: 1; }
svg .tick { fill: #57606a; font-size: 10.5px; }
svg .axis-title { fill: #57606a; font-size: 11px; }
svg .bar { fill: var(--bar); } svg .bar.edge { fill: var(--bar-edge); } svg .bar.over { fill: var(--bar-over); }
svg .bar.zero { fill: #57606a; }
svg .tolerance { stroke: var(--fail); stroke-width: 1.6; stroke-dasharray: 5 3; }
svg .mean { stroke: #1f2328; stroke-width: 1.2; stroke-dasharray: 2 2; }
svg .mark-label { font-size: 11px; font-weight: 600; } svg .mark-label.tol { fill: var(--fail); } svg .mean-label { fill: #1f2328; }
svg .whisker { stroke: #57606a; stroke-width: 1.2; }
svg .box { fill: #a0c4e8; stroke: var(--bar); stroke-width: 1.2; } svg .box.eager { fill: #d8dee4; stroke: var(--eager); }
svg .median { stroke: #0b3d91; stroke-width: 2.4; } svg .p99 { stroke: var(--fail); stroke-width: 2; }
svg .mean-dot { fill: #fff; stroke: #1f2328; stroke-width: 1.4; }
svg .row-label { fill: var(--ink); font-size: 12px; font-weight: 600; }
svg .row-note { fill: var(--ink); font-size: 11px; } svg .row-note.dim { fill: #57606a; }
svg .acc { fill: none; stroke: var(--bar); stroke-width: 1.8; } svg .loc { fill: none; stroke: var(--bar-edge); stroke-width: 1.4; stroke-dasharray: 4 2; }
svg .pt-acc { fill: var(--bar); } svg .pt-loc { fill: var(--bar-edge); } svg .pt-over { fill: var(--bar-over); }
svg .origin { stroke: var(--fail); stroke-width: 1.4; } svg .origin-label { fill: var(--fail); font-weight: 600; }
.legend { color: var(--dim); font-size: 12px; margin-top: 4px; }
.legend i.sw-zero { background: #57606a; } .legend i.sw-bar { background: var(--bar); } .legend i.sw-edge { background: var(--bar-edge); } .legend i.sw-over { background: var(--bar-over); }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px -1px 10px; }
.scroll { overflow-x: auto; }
table.verdict { font-size: 13px; } table.verdict th, table.verdict td { padding: 5px 6px; }
table.worst { font-size: 12px; } table.worst th, table.worst td { padding: 3px 5px; }
td.mono { white-space: nowrap; }
figure.latency { max-width: 820px; }
figure.wide { margin: 10px 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; }
.kv.spaced { margin-top: 10px; }
.kv div:nth-child(odd) { color: var(--dim); }
footer { color: var(--dim); font-size: 12px; margin-top: 28px; }
.empty { color: var(--dim); font-style: italic; }
`;
