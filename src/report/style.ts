// The report's inline stylesheet: readable type, responsive grid, light and print friendly.
export const CSS = `
:root{--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#fff;--panel:#f5f7fa;--accent:#4e79a7;--bad:#e15759;--good:#59a14f}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header.top{background:#243b53;color:#fff;padding:20px 24px}
header.top h1{margin:0;font-size:1.6em}header.top p{margin:4px 0 0;color:#d9e2ec;font-size:.9em}
nav.toc{padding:10px 24px;border-bottom:1px solid var(--line);background:var(--panel);font-size:.9em;position:sticky;top:0;z-index:2;overflow-x:auto;white-space:nowrap}
nav.toc a{color:var(--accent);text-decoration:none;margin-right:14px}nav.toc a:hover{text-decoration:underline}
main{max-width:1200px;margin:0 auto;padding:8px 24px 48px}
h2{margin:36px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line);font-size:1.35em}
h3{margin:28px 0 10px;font-size:1.12em}
details.run{border:1px solid var(--line);border-radius:8px;padding:0 16px 16px;margin:20px 0}
details.run>summary{cursor:pointer;font-size:1.25em;font-weight:600;padding:12px 0}
pre.code{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:12px;overflow:auto;max-height:420px;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:.92em;margin:6px 0}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.report tbody tr:nth-last-child(-n+2) td{background:#fafbfc}
table.compare td:first-child{white-space:nowrap;font-weight:600}
table.compare td:nth-child(2){min-width:260px;max-width:420px}
table.compare code{font-size:.82em;background:var(--panel);padding:1px 4px;border-radius:3px;display:inline-block;max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:bottom}
details.more summary{cursor:pointer;color:var(--accent);font-size:.85em}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:16px;align-items:start}
figure{margin:0}
figure.chart{overflow-x:auto}
figure.chart svg{max-width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:.85em;margin-top:4px}
.note,.source{color:var(--muted);font-size:.9em}.source{font-size:.8em}
.na{color:var(--muted);font-style:italic}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:12px}
.card{display:flex;gap:10px;border:1px solid var(--line);border-radius:8px;padding:8px;background:#fff;min-width:0}
.card img{width:112px;height:112px;object-fit:cover;border-radius:4px;flex:none;background:var(--panel)}
.gallery.cams{grid-template-columns:repeat(auto-fill,minmax(180px,260px))}.cams .card{flex-direction:column}.cams .card img{width:100%;height:auto}
.noimg{width:112px;height:112px;flex:none;display:flex;align-items:center;justify-content:center;background:var(--panel);color:var(--muted);font-size:.8em;text-align:center}
.meta{font-size:.82em;min-width:0;flex:1}
.meta .file{color:var(--muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.meta b.t{color:var(--good)}.meta b.p{color:var(--bad)}
ul.probs{list-style:none;margin:4px 0 0;padding:0}
ul.probs li{display:grid;grid-template-columns:minmax(0,1fr) 60px 40px;gap:4px;align-items:center;line-height:1.35}
ul.probs .lbl{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
ul.probs .bar{height:8px;background:var(--panel);border-radius:4px;overflow:hidden}
ul.probs .bar span{display:block;height:100%;background:var(--muted)}
ul.probs li.truth .bar span{background:var(--good)}ul.probs li.pred .bar span{background:var(--bad)}
ul.probs .val{text-align:right;font-variant-numeric:tabular-nums}
ul.probs li.more{display:block;color:var(--muted)}
@media (max-width:640px){main{padding:4px 12px 32px}.charts{grid-template-columns:1fr}}
@media print{nav.toc{position:static}}
`;
