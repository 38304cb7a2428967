// Renders the math that pymdownx.arithmatex marks up (generic mode) with the vendored KaTeX.
// `document$` is Material's page observable, so math also renders after in-page navigation.
function renderMath() {
  document.querySelectorAll(".arithmatex").forEach(function (el) {
    renderMathInElement(el, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  });
  // Notebook pages (mkdocs-jupyter) keep the $...$ and $$...$$ of their Markdown cells as text.
  document.querySelectorAll(".jupyter-wrapper .jp-MarkdownOutput").forEach(function (el) {
    renderMathInElement(el, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "$", right: "$", display: false },
      ],
      ignoredClasses: ["highlight", "highlight-ipynb"],
      throwOnError: false,
    });
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(renderMath);
} else {
  document.addEventListener("DOMContentLoaded", renderMath);
}

// mkdocs-jupyter 0.27 appends a MathJax loader (from a CDN) to every page, which stands down when
// `window.mkdocsJupyterMathJax` is taken (its own guard against loading twice): KaTeX, served by
// the site, renders the notebooks' math instead, through the same `refresh()`.
window.mkdocsJupyterMathJax = window.mkdocsJupyterMathJax || {
  refresh: function () {
    renderMath();
    return Promise.resolve();
  },
};
