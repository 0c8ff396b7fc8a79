// The search page: Pagefind's UI over Sunlit's own index, served from this site.
// No inline script and no eval: the page's CSP can be script-src 'self' 'wasm-unsafe-eval'.
// Paths come from the #search element, never from "/": the site may be served below a path
// (data-bundle="/sunlit/pagefind/") and the page may be an English one under /en/
// (data-lang-prefix="/en"), whose results then link to the English pages.
// A query in ?q= (from the search box in every page's header) runs at once.
(function () {
  "use strict";

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // "<root>/tenders/x/" -> "<root><prefix>/tenders/x/" for a page under a language prefix.
  function localise(url, root, prefix) {
    if (!prefix || url.indexOf(root + "/") !== 0) return url;
    var rest = url.slice(root.length);
    if (rest.indexOf(prefix + "/") === 0) return url;
    return root + prefix + rest;
  }

  window.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("search");
    if (!element || typeof PagefindUI === "undefined") return;
    var root = (element.getAttribute("data-site-root") || "").replace(/\/$/, "");
    var bundle = element.getAttribute("data-bundle") || root + "/pagefind/";
    var prefix = (element.getAttribute("data-lang-prefix") || "").replace(/\/$/, "");
    var ui = new PagefindUI({
      element: "#search",
      bundlePath: bundle,
      showSubResults: false,
      showImages: false,
      resetStyles: false,
      processResult: function (result) {
        var meta = result.meta || {};
        var facts = [meta.type, meta.date, meta.amount].filter(Boolean);
        if (facts.length) {
          result.excerpt = '<span class="search-meta">' + escapeHtml(facts.join(" · ")) +
            "</span> " + (result.excerpt || "");
        }
        result.url = localise(result.url, root, prefix);
        return result;
      },
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      ui.triggerSearch(query);
      var box = document.getElementById("site-search");
      if (box) box.value = query;
    }
  });
})();
