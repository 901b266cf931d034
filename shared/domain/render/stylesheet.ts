import { createHash } from "node:crypto";

// Han characters take the glyph shapes of the font that draws them: each CJK language lists
// its own fonts first, so a Japanese page never shows Chinese forms of the same kanji.
const LATIN = `system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial`;
const JA = `"Hiragino Sans","Hiragino Kaku Gothic ProN","Yu Gothic","Meiryo","Noto Sans CJK JP","Noto Sans JP"`;
const ZH_HANS = `"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","WenQuanYi Zen Hei"`;
const ZH_HANT = `"PingFang TC","Microsoft JhengHei","Noto Sans CJK TC","Noto Sans TC","Source Han Sans TC","WenQuanYi Zen Hei"`;

// Pages carry no inline style (the CSP allows `style-src 'self'` only) and no script: all
// presentation is here. One column on phones; on wide screens the side lists become a column.
const CSS = `:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#595959;--bg:#fff;--soft:#f4f4f1;--line:#d9d9d4;--link:#0a4fbf;--visited:#5b3a9b}
@media (prefers-color-scheme:dark){:root{--fg:#e9e9e6;--muted:#aaa;--bg:#141414;--soft:#1f1f1f;--line:#3a3a3a;--link:#8ab4f8;--visited:#c4a7f5}}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.7 ${LATIN},${ZH_HANS},${JA},sans-serif;overflow-wrap:break-word}
[lang|=ja]{font-family:${LATIN},${JA},${ZH_HANS},sans-serif}
[lang|=zh-Hant],[lang|=zh-TW],[lang|=zh-HK]{font-family:${LATIN},${ZH_HANT},${JA},sans-serif}
html[lang|=zh] body,html[lang|=ja] body{line-height:1.85}
:lang(zh),:lang(ja){line-break:strict}
a{color:var(--link)}a:visited{color:var(--visited)}
a:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-100vw}.skip:focus{position:static}
.wrap{max-width:72rem;margin:0 auto;padding:0 1rem}
.site-header{border-bottom:1px solid var(--line);background:var(--soft)}
.site-header .wrap{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem 1.25rem;padding-top:.6rem;padding-bottom:.6rem}
.brand{font-weight:700;font-size:1.2rem;text-decoration:none;color:var(--fg)}.brand:visited{color:var(--fg)}
.site-header ul,.lang-list{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
main{padding:1.25rem 0 2rem}
h1{font-size:1.9rem;line-height:1.3;margin:.5rem 0 1rem}
h2{font-size:1.3rem;line-height:1.35;margin:1.75rem 0 .6rem}
h3{font-size:1.1rem;line-height:1.4;margin:0}
.columns{display:grid;grid-template-columns:minmax(0,1fr);gap:0 3rem}
@media (min-width:56rem){.columns{grid-template-columns:minmax(0,2fr) minmax(0,1fr)}.columns>aside h2:first-child{margin-top:.5rem}}
.items{list-style:none;margin:0;padding:0}
.items>li{padding:.9rem 0;border-top:1px solid var(--line)}
.items .thumb{float:right;width:6.5rem;margin:0 0 .4rem .9rem;border-radius:4px}
.items>li::after{content:"";display:block;clear:both}
.compact>li{padding:.55rem 0}
.meta,.feed-links,.pager,figcaption,.attribution,.original,.site-footer{color:var(--muted);font-size:.9rem}
.items p{margin:.25rem 0}
.items h2,.items h3,.items h4,.items h5{font-size:1.15rem;line-height:1.4;margin:0 0 .25rem}
.feed-links{margin:-.25rem 0 .6rem}
.pager{display:flex;justify-content:space-between;gap:1rem;margin-top:1rem}
.story{max-width:44rem}
.story img{display:block;max-width:100%;height:auto}
figure{margin:1.5rem 0}figcaption{margin-top:.4rem}
.credit{white-space:nowrap}
blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid var(--line)}
table{border-collapse:collapse;display:block;overflow-x:auto;max-width:100%}th,td{border:1px solid var(--line);padding:.3rem .5rem}
pre{overflow-x:auto;background:var(--soft);padding:.75rem}
.rights{margin-top:2rem;padding:.8rem 1rem;border-left:4px solid var(--line);background:var(--soft)}
.rights p{margin:.3rem 0}
.follow ul{padding-left:1.2rem}
.subscribe{margin-top:2.5rem;padding:1rem 1.25rem;border:1px solid var(--line);border-radius:6px;background:var(--soft)}
.subscribe h2{margin-top:.25rem}
.subscribe dt{font-weight:600;margin-top:.6rem}
.subscribe dd{margin:0}
code,pre,.url{font-family:ui-monospace,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
.url{font-size:.85rem;overflow-wrap:anywhere;word-break:break-all}
.back{margin-top:2rem}
.home-lang{border-top:2px solid var(--line);margin-top:1.5rem}
.site-footer{border-top:1px solid var(--line);padding:1rem 0 2rem}
`;

/** `assets/{name}-{8 hex of sha256}.{ext}`: named by its content, so it can be cached for good. */
function assetKey(name: string, ext: string, body: string): string {
	return `assets/${name}-${createHash("sha256").update(body).digest("hex").slice(0, 8)}.${ext}`;
}

let cached: { key: string; css: string } | undefined;

/** The site's one stylesheet and its bucket key, named by its content. */
export function siteStylesheet(): { key: string; css: string } {
	cached ??= { key: assetKey("site", "css", CSS), css: CSS };
	return cached;
}

// A plain mark in the site's link colour: browsers ask every site for an icon, and a page
// that names none gets a 404 logged for `/favicon.ico` on every visit.
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0a4fbf"/><path d="M21.5 10.5c-1.2-1.3-3-2-5.2-2-3.2 0-5.3 1.7-5.3 4.1 0 5.3 10.3 3.2 10.3 8 0 2.2-2 3.9-5.3 3.9-2.4 0-4.4-.9-5.7-2.4" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/></svg>
`;

let cachedIcon: { key: string; svg: string } | undefined;

/** The site's icon, named by its content like the stylesheet. */
export function siteIcon(): { key: string; svg: string } {
	cachedIcon ??= { key: assetKey("icon", "svg", ICON), svg: ICON };
	return cachedIcon;
}
