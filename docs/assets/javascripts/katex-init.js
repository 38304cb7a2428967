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
  // Docstrings rendered by mkdocstrings use plain $...$ and $$...$$.
  document.querySelectorAll(".doc-contents").forEach(function (el) {
    renderMathInElement(el, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "$", right: "$", display: false },
      ],
      ignoredClasses: ["arithmatex", "highlight"],
      throwOnError: false,
    });
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(renderMath);
} else {
  document.addEventListener("DOMContentLoaded", renderMath);
}
