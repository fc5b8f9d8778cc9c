/**
 * An allow-list HTML sanitizer for untrusted notebook output: tables, text formatting, links and inline
 * images survive; scripts, event handlers, `javascript:` URLs, frames, forms, inline SVG and remote
 * resources do not. Each page also carries a Content-Security-Policy as a second line of defence.
 */

const ALLOWED_TAGS = new Set(
  (
    "a abbr b bdi bdo blockquote br caption center cite code col colgroup dd del details dfn div dl dt em " +
    "figcaption figure h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q rp rt ruby s samp small span " +
    "strong sub summary sup table tbody td tfoot th thead time tr tt u ul var wbr"
  ).split(" "),
);
const VOID_TAGS = new Set(["br", "hr", "img", "col", "wbr"]);
/** Elements removed together with everything inside them. */
const DROP_WITH_CONTENT = new Set(
  "script style iframe frame frameset object embed applet noscript noembed noframes template svg math textarea title xmp plaintext select option head base link meta form button input audio video source track canvas portal".split(
    " ",
  ),
);
const ALLOWED_ATTRS = new Set(
  "class id title lang dir align valign colspan rowspan width height alt scope span start type abbr headers cite datetime open reversed border cellpadding cellspacing nowrap".split(
    " ",
  ),
);

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", colon: ":", tab: "\t", newline: "\n", sol: "/",
  period: ".", lpar: "(", rpar: ")", nbsp: "\u00a0", excl: "!", num: "#", percnt: "%", semi: ";", equals: "=",
};

/** Decodes character references the way a browser would before it looks at a URL's scheme. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);?/gi, (all, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
    }
    const named = NAMED_ENTITIES[ref.toLowerCase()];
    return named ?? all;
  });
}

function escapeText(s: string): string {
  return s.replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A URL a link may point to: http(s), mailto, a fragment or a relative path. */
export function safeHref(raw: string): string | null {
  const url = decodeEntities(raw).replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (scheme && !["http", "https", "mailto"].includes(scheme[1].toLowerCase())) return null;
  if (url.startsWith("//")) return null;
  return decodeEntities(raw).trim();
}

/** An image source that stays on the machine: a `data:image/…` URL (SVG in `<img>` cannot run script). */
export function safeImageSrc(raw: string): string | null {
  const url = decodeEntities(raw).trim();
  return /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i.test(url) ? url : null;
}

/** CSS in a `style` attribute, minus anything that could load a resource or run code. */
function safeStyle(raw: string): string | null {
  const css = decodeEntities(raw);
  if (/url\s*\(|expression|javascript:|@import|behavio(u)?r|-moz-binding|\\/i.test(css)) return null;
  return css;
}

const ATTR = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

function cleanAttributes(tag: string, attrText: string): string {
  let out = "";
  let m: RegExpExecArray | null;
  ATTR.lastIndex = 0;
  const seen = new Set<string>();
  let keptHref = false;
  while ((m = ATTR.exec(attrText))) {
    const name = m[1].toLowerCase();
    const value = m[2] ?? m[3] ?? m[4] ?? "";
    if (seen.has(name)) continue;
    seen.add(name);
    let clean: string | null = null;
    if (name === "href" && tag === "a") clean = safeHref(value);
    else if (name === "src" && tag === "img") clean = safeImageSrc(value);
    else if (name === "style") clean = safeStyle(value);
    else if (ALLOWED_ATTRS.has(name)) clean = decodeEntities(value);
    if (clean === null) continue;
    if (name === "href") keptHref = true;
    out += ` ${name}="${escapeAttr(clean)}"`;
  }
  if (tag === "a" && keptHref) out += ' rel="noopener noreferrer"';
  return out;
}

const TOKEN = /<!--[\s\S]*?(?:-->|$)|<![^>]*>?|<\?[^>]*>?|<\/([a-zA-Z][a-zA-Z0-9-]*)\s*[^>]*>?|<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>\/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?|\s*\/)*)\s*(\/?)>/g;

/**
 * Returns HTML that keeps the allowed structure of `html`. Unknown tags are dropped but their text kept;
 * dangerous elements are dropped with their content; tags left open are closed at the end.
 */
export function sanitizeHtml(html: string, _opts: { fragment?: boolean } = {}): string {
  let out = "";
  const stack: string[] = [];
  let last = 0;
  let m: RegExpExecArray | null;
  TOKEN.lastIndex = 0;
  while ((m = TOKEN.exec(html))) {
    out += escapeText(html.slice(last, m.index));
    last = TOKEN.lastIndex;
    const [whole, closeName, openName, attrs, selfClose] = m;
    if (closeName) {
      const name = closeName.toLowerCase();
      const at = stack.lastIndexOf(name);
      if (at >= 0) {
        while (stack.length > at) out += `</${stack.pop()}>`;
      }
      continue;
    }
    if (openName) {
      const name = openName.toLowerCase();
      if (DROP_WITH_CONTENT.has(name)) {
        if (!selfClose) {
          // Skip to the matching close tag (nesting of the same element counted), or to the end.
          const open = new RegExp(`<${name}[\\s/>]`, "gi");
          const close = new RegExp(`</${name}\\s*>`, "gi");
          let depth = 1;
          let pos = last;
          while (depth > 0) {
            close.lastIndex = pos;
            const c = close.exec(html);
            if (!c) {
              pos = html.length;
              break;
            }
            if (name !== "script" && name !== "style" && name !== "textarea" && name !== "xmp" && name !== "title") {
              open.lastIndex = pos;
              let o: RegExpExecArray | null;
              while ((o = open.exec(html)) && o.index < c.index) depth++;
            }
            depth--;
            pos = c.index + c[0].length;
          }
          last = pos;
          TOKEN.lastIndex = pos;
        }
        continue;
      }
      if (!ALLOWED_TAGS.has(name)) continue;
      out += `<${name}${cleanAttributes(name, attrs ?? "")}>`;
      if (!VOID_TAGS.has(name) && !selfClose) stack.push(name);
      continue;
    }
    void whole; // comments, doctypes, processing instructions: dropped
  }
  out += escapeText(html.slice(last));
  while (stack.length) out += `</${stack.pop()}>`;
  return out;
}
