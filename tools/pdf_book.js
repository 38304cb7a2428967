async ({ chapters, front, css, page, siteUrl, title }) => {
  // tools/make_pdf.py runs this in a blank tab of the served site. It fetches the chapters'
  // pages and returns the whole book as one page: the first chapter's page (its stylesheets and
  // scripts) with the cover and contents (`front`) and every chapter's article in its <article>.
  const parser = new DOMParser();
  const pages = [];
  for (const chapter of chapters) {
    const response = await fetch(chapter.url);
    if (!response.ok) throw new Error(`${chapter.url}: HTTP ${response.status}`);
    pages.push(parser.parseFromString(await response.text(), "text/html"));
  }
  const anchors = new Map(chapters.map((c) => [new URL(c.url).pathname, c.anchor]));
  const shell = pages[0];
  const book = shell.querySelector("article.md-content__inner");
  let versions = "";
  const seen = new Set();  // the notebook pages repeat the same styles and scripts
  const sections = pages.map((doc, i) => {
    const { url, anchor } = chapters[i];
    const article = doc.querySelector("article.md-content__inner");
    if (!article) throw new Error(`${url} has no <article class="md-content__inner">`);
    // The versions that ran the examples (the same for every chapter) go on the cover.
    const verified = article.querySelector(".dlnotes-verified");
    if (i === 0 && verified) versions = verified.textContent.replace(/\s+/g, " ").trim();
    // Buttons and permalinks (Markdown's and the notebooks') do nothing on paper; the versions
    // line and the "done" button end every chapter.
    article
      .querySelectorAll(
        ".md-content__button, a.headerlink, a.anchor-link, .dlnotes-chapter-end, script[src='']",
      )
      .forEach((el) => el.remove());
    for (const el of article.querySelectorAll("style, script")) {
      const key = el.tagName + (el.getAttribute("src") || el.textContent);
      if (seen.has(key)) el.remove();
      else seen.add(key);
    }
    article.querySelectorAll("a.glightbox").forEach((a) => a.replaceWith(...a.childNodes));
    article.querySelectorAll("details").forEach((d) => d.setAttribute("open", ""));
    article.querySelectorAll("img[loading]").forEach((img) => img.removeAttribute("loading"));
    const prefix = (id) => `${anchor}--${id}`;
    article.querySelectorAll("[id]").forEach((el) => (el.id = prefix(el.id)));
    for (const attr of ["for", "aria-controls", "aria-labelledby", "aria-describedby", "name"]) {
      for (const el of article.querySelectorAll(`[${attr}]`)) {
        if (attr === "name" && el.tagName !== "INPUT") continue;
        el.setAttribute(attr, el.getAttribute(attr).split(" ").map(prefix).join(" "));
      }
    }
    for (const a of article.querySelectorAll("a[href]")) {
      const target = new URL(a.getAttribute("href"), url);
      if (target.origin !== location.origin) {
        a.setAttribute("href", target.href);
        continue;
      }
      const to = anchors.get(target.pathname);
      if (to === undefined && siteUrl) {
        // Another page of the site: the same page where the site is published.
        const path = target.pathname.slice(1) + target.search + target.hash;
        a.setAttribute("href", new URL(path, siteUrl).href);
      } else if (to === undefined) {
        const text = shell.createElement("span");
        text.append(...a.childNodes);
        a.replaceWith(text);
      } else {
        const id = decodeURIComponent(target.hash.slice(1));
        a.setAttribute("href", id ? `#${to}--${id}` : `#${to}`);
      }
    }
    for (const el of article.querySelectorAll("img[src], source[src], video[src]")) {
      el.setAttribute("src", new URL(el.getAttribute("src"), url).href);
    }
    const section = shell.createElement("section");
    section.className = "dlnotes-pdf-chapter";
    section.id = anchor;
    section.append(...article.childNodes);
    return section;
  });
  // Stylesheets and scripts that other chapters load and the first does not (mermaid).
  const loaded = new Set(
    [...shell.querySelectorAll("link[rel=stylesheet][href], script[src]")].map(
      (el) => new URL(el.getAttribute("href") || el.getAttribute("src"), chapters[0].url).href,
    ),
  );
  for (const [i, doc] of pages.entries()) {
    for (const el of doc.querySelectorAll("link[rel=stylesheet][href], script[src]")) {
      if (el.closest("article") || !(el.getAttribute("href") || el.getAttribute("src"))) continue;
      const attr = el.tagName === "LINK" ? "href" : "src";
      const href = new URL(el.getAttribute(attr), chapters[i].url).href;
      if (loaded.has(href)) continue;
      loaded.add(href);
      const copy = shell.createElement(el.tagName);
      for (const { name, value } of el.attributes) copy.setAttribute(name, value);
      copy.setAttribute(attr, href);
      (attr === "href" ? shell.head : shell.body).append(copy);
    }
  }
  const style = shell.createElement("link");
  style.rel = "stylesheet";
  style.href = css;
  const pageRule = shell.createElement("style");
  pageRule.textContent = page;
  shell.head.append(style, pageRule);
  shell.title = title;
  // The site around the article (header, navigation, footer) stays, for the site's scripts
  // expect it, and pdf.css hides it.
  book.innerHTML = front;
  const line = book.querySelector(".dlnotes-pdf-verified");
  if (versions && line) line.textContent = versions;
  else if (line) line.remove();
  book.append(...sections);
  return "<!DOCTYPE html>\n" + shell.documentElement.outerHTML;
}