/**
 * The one stylesheet, served at /assets/site.css by the service and by the agent's page. Colours keep at least 4.5:1 contrast with
 * their background (WCAG AA), and focus is always visible: the pages are used by keyboard too.
 */
export const SITE_CSS = `
:root {
  --ink: #1f2933; --muted: #4b5563; --line: #d9dee5; --paper: #ffffff; --wash: #f4f6f9;
  --accent: #1d4ed8; --accent-ink: #ffffff; --ok: #166534; --ok-wash: #dcfce7;
  --warn: #854d0e; --warn-wash: #fef3c7; --bad: #991b1b; --bad-wash: #fee2e2;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink);
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--wash); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible {
  outline: 3px solid #f59e0b; outline-offset: 2px;
}
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--paper); padding: .5rem 1rem; z-index: 1; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 2rem; padding: .75rem 1.5rem;
  background: #0f172a; color: #f8fafc; }
.top a { color: #f8fafc; text-decoration: none; }
.top a:hover, .top a[aria-current="page"] { text-decoration: underline; text-underline-offset: .3em; }
.brand { font-weight: 700; font-size: 1.15rem; }
nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; list-style: none; margin: 0; padding: 0; }
.who { margin-left: auto; display: flex; gap: .75rem; align-items: center; font-size: .9rem; }
.who button.link { color: #f8fafc; }
main { max-width: 72rem; margin: 1.5rem auto; padding: 0 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; }
.panel { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 1.25rem 1.5rem; margin-bottom: 1.25rem; }
.narrow { max-width: 28rem; margin: 3rem auto; }
table { width: 100%; border-collapse: collapse; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
caption { text-align: left; padding: .5rem 0; color: var(--muted); caption-side: top; }
th, td { text-align: left; padding: .55rem .75rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; font-weight: 600; font-size: .9rem; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
tr:last-child td { border-bottom: 0; }
code, .key { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .92em; overflow-wrap: anywhere; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0; }
input[type=text], input[type=email], input[type=password], input[type=number], select, textarea {
  width: 100%; max-width: 32rem; padding: .5rem .6rem; border: 1px solid #8a94a3; border-radius: 6px; font: inherit; background: var(--paper); color: var(--ink);
}
textarea { min-height: 6rem; }
fieldset { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: 1rem 0; }
legend { font-weight: 600; padding: 0 .25rem; }
.choice { display: flex; gap: .5rem; align-items: center; font-weight: 400; margin: .25rem 0; }
button, .button { display: inline-block; padding: .55rem 1.1rem; border: 1px solid var(--accent); border-radius: 6px;
  background: var(--accent); color: var(--accent-ink); font: inherit; font-weight: 600; cursor: pointer; text-decoration: none; }
button.secondary, .button.secondary { background: var(--paper); color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button.link { background: none; border: 0; padding: 0; color: var(--accent); font-weight: 400; text-decoration: underline; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin-top: 1rem; }
.inline { display: inline; }
.notice { background: var(--ok-wash); color: var(--ok); border: 1px solid #86efac; padding: .6rem 1rem; border-radius: 6px; }
.error { background: var(--bad-wash); color: var(--bad); border: 1px solid #fca5a5; padding: .6rem 1rem; border-radius: 6px; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; background: #e5e7eb; color: #1f2937; white-space: nowrap; }
.badge.ok { background: var(--ok-wash); color: var(--ok); }
.badge.warn { background: var(--warn-wash); color: var(--warn); }
.badge.bad { background: var(--bad-wash); color: var(--bad); }
.muted { color: var(--muted); }
.figure { font-size: 2rem; font-weight: 700; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.5rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.pages { display: flex; gap: 1rem; margin-top: 1rem; }
svg.chart { width: 100%; height: auto; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; }
svg.chart .used { fill: none; stroke: var(--accent); stroke-width: 2; }
svg.chart .licensed { fill: none; stroke: var(--bad); stroke-width: 2; stroke-dasharray: 6 4; }
svg.chart text { fill: var(--muted); font-size: 12px; }
svg.chart .grid { stroke: var(--line); }
@media (max-width: 40rem) { th, td { padding: .4rem; } main { padding: 0 .75rem 2rem; } }
`;
