// Reader progress: a "done" mark per chapter, kept in this browser only (localStorage), shown as
// a check mark after the chapter's title in the navigation. The button at the end of a chapter
// (overrides/main.html) sets and clears it. A chapter is its page's path below the language's
// root (tensor-basics.html), so a chapter read in one language is marked in the other too.
// Where the browser keeps nothing (storage blocked, some file:// set-ups), the button stays
// hidden and nothing else changes.
(function () {
  "use strict";
  var KEY = "dlnotes.done";
  var script = document.currentScript;
  var storage = null;
  try {
    storage = window.localStorage;
    storage.setItem(KEY + ".probe", "1");
    storage.removeItem(KEY + ".probe");
  } catch (error) {
    return;
  }
  if (!storage || !script) return;
  // This script is assets/javascripts/progress.js below the language's root.
  var root = new URL("../../", script.src).href;

  function chapterOf(href) {
    var url = new URL(href, window.location.href);
    url.hash = "";
    url.search = "";
    return url.href.indexOf(root) === 0 ? url.href.slice(root.length) : null;
  }

  function read() {
    try {
      var list = JSON.parse(storage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (error) {
      return [];
    }
  }

  function write(list) {
    try {
      storage.setItem(KEY, JSON.stringify(list));
    } catch (error) {
      // Full or blocked: the mark is simply not kept.
    }
  }

  var here = chapterOf(window.location.href);
  var button = document.querySelector(".dlnotes-done-button");

  function paint() {
    var done = read();
    var links = document.querySelectorAll(".md-nav--primary a.md-nav__link[href]");
    for (var i = 0; i < links.length; i++) {
      var href = links[i].getAttribute("href");
      if (href.charAt(0) === "#") continue; // the table of contents of this page
      var item = links[i].closest(".md-nav__item");
      if (item) item.classList.toggle("dlnotes-done", done.indexOf(chapterOf(href)) !== -1);
    }
    if (button) {
      var isDone = done.indexOf(here) !== -1;
      button.textContent = button.getAttribute(isDone ? "data-label-done" : "data-label-todo");
      button.setAttribute("aria-pressed", isDone ? "true" : "false");
      button.classList.toggle("md-button--primary", !isDone);
      button.hidden = false;
    }
  }

  if (button && here !== null) {
    button.addEventListener("click", function () {
      var done = read().filter(function (chapter) {
        return chapter !== here;
      });
      if (button.getAttribute("aria-pressed") !== "true") done.push(here);
      write(done);
      paint();
    });
  }
  // Marks set in another tab.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) paint();
  });
  paint();
})();
