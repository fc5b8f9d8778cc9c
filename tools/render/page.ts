/** The HTML around a page's content: head with the security policy, sidebar across chapters, table of contents. */
import { escapeHtml, TocEntry } from "./markdown";
import { CHART_SCRIPTS, SEARCH_SCRIPTS, STYLESHEETS } from "./assets";

export interface NavItem {
  href: string;
  title: string;
  number?: number;
}

export interface PageShell {
  siteTitle: string;
  author: string | null;
  pageTitle: string;
  current: string;
  chapters: NavItem[];
  extras: NavItem[];
  toc: TocEntry[] | null;
  content: string;
  charts: boolean;
  /** A trusted notebook's HTML outputs may run inline script. */
  trusted: boolean;
}

/**
 * The policy every page carries: scripts only from the report's own files (Vega needs `eval` for its
 * expressions), pictures and fonts from files or data URLs, no network at all.
 */
export function contentSecurityPolicy(trusted: boolean): string {
  return [
    "default-src 'none'",
    `script-src 'self'${trusted ? " 'unsafe-inline'" : ""} 'unsafe-eval'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'none'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

export function head(title: string, trusted: boolean): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(trusted)}">
<meta name="generator" content="nbts render">
<title>${escapeHtml(title)}</title>
${STYLESHEETS.map((s) => `<link rel="stylesheet" href="${s}">`).join("\n")}
</head>`;
}

function navList(items: NavItem[], current: string, ordered: boolean): string {
  if (!items.length) return "";
  const tag = ordered ? "ol" : "ul";
  const li = items
    .map((it) => {
      const cur = it.href === current ? ' aria-current="page"' : "";
      const num = it.number !== undefined ? `<span class="number">${it.number}</span>` : "";
      return `<li><a href="${escapeHtml(it.href)}"${cur}>${num}${escapeHtml(it.title)}</a></li>`;
    })
    .join("\n");
  return `<${tag}>\n${li}\n</${tag}>`;
}

export function tocHtml(toc: TocEntry[]): string {
  if (!toc.length) return "";
  const items = toc.map((t) => `<li class="level-${t.level}"><a href="#${escapeHtml(t.id)}">${escapeHtml(t.text)}</a></li>`).join("\n");
  return `<nav class="toc" aria-label="On this page"><h2>On this page</h2><ul>\n${items}\n</ul></nav>`;
}

export function pageHtml(p: PageShell): string {
  const title = p.pageTitle === p.siteTitle ? p.siteTitle : `${p.pageTitle} – ${p.siteTitle}`;
  const scripts = [...SEARCH_SCRIPTS, ...(p.charts ? [...CHART_SCRIPTS, "assets/report.js"] : [])].map((s) => `<script src="${s}"></script>`).join("\n");
  return `${head(title, p.trusted)}
<body>
<div class="layout">
<nav class="sidebar" aria-label="Chapters">
<a class="brand" href="index.html">${escapeHtml(p.siteTitle)}</a>
${p.author ? `<div class="author">${escapeHtml(p.author)}</div>` : ""}
<div class="search" role="search"><input id="search-input" type="search" placeholder="Search the report" aria-label="Search the report" autocomplete="off"><ol id="search-results" hidden></ol></div>
${navList(p.chapters, p.current, true)}
${navList(p.extras, p.current, false)}
</nav>
<main class="content">
${p.content}
</main>
${p.toc ? tocHtml(p.toc) : "<div></div>"}
</div>
${scripts}
</body>
</html>
`;
}
