// The search page: Pagefind's UI over Sunlit's own index, served from this site.
// No inline script and no eval: the page's CSP can be script-src 'self' 'wasm-unsafe-eval'.
// Paths come from the #search element, never from "/": the site may be served below a path
// (data-bundle="/sunlit/pagefind/") and the page may be an English one under /en/
// (data-lang-prefix="/en"), whose results then link to the English pages.
// A query in ?q= (from the search box in every page's header) runs at once.
// Chinese is searched as overlapping bigrams, as `sunlit search` does: search/browser.py gives
// Pagefind each record's bigrams as Latin words ("zh" and four letters a character) and keeps the
// readable text in the record's meta (excerpt); sunlitSearchTerms() turns a query into the same
// words, so a two-character fragment of a name finds it and Pagefind's dictionary segmenter never
// cuts a name wrongly.
(function () {
  "use strict";

  var CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2ebef}" +
    "\u3040-\u30ff\uac00-\ud7af";
  // search/analysis.py's pattern: a CJK run, or a word (\w+(\.?\w+)*) of anything else.
  var W = "[^\\P{L}" + CJK + "]|[\\p{N}_]";
  var RUN = new RegExp("([" + CJK + "]+)|((?:" + W + ")+(?:\\.?(?:" + W + ")+)*)", "gu");
  var LETTERS = "abcdefghijklmnopqrstuvwxyz";

  function letters(char, width) {
    var code = char.codePointAt(0);
    var out = "";
    for (var i = 0; i < width; i++) {
      out = LETTERS[code % 26] + out;
      code = Math.floor(code / 26);
    }
    return out;
  }

  // search/browser.py's browser_terms_of: a CJK bigram as "zh" + 4 letters a character; a word
  // of characters below U+02A4 in pieces of 4, each "zw" + a letter for its place + 2 letters a
  // character; any other word as it is.
  function terms(text, cjk) {
    var chars = Array.from(text);
    if (cjk) return ["zh" + chars.map(function (c) { return letters(c, 4); }).join("")];
    if (!chars.every(function (c) { return c.codePointAt(0) < 676; })) return [text];
    var pieces = [];
    for (var i = 0; i < chars.length; i += 4) {
      pieces.push("zw" + LETTERS[(i / 4) % 26] +
        chars.slice(i, i + 4).map(function (c) { return letters(c, 2); }).join(""));
    }
    return pieces;
  }

  // A query as Pagefind terms: NFKC, CJK runs as bigrams, other words lowercased, all encoded.
  // (Only the bigrams that cover a run end to end would find the same records with half the
  // chunks fetched, but rank them worse: an exact title fell to second place.)
  function searchTerms(query) {
    var words = [];
    var text = String(query || "").normalize("NFKC");
    var match;
    RUN.lastIndex = 0;
    while ((match = RUN.exec(text)) !== null) {
      if (match[1]) {
        var chars = Array.from(match[1]);
        if (chars.length === 1) words.push(terms(chars[0], true)[0]);
        for (var i = 0; i + 1 < chars.length; i++) words.push(terms(chars[i] + chars[i + 1], true)[0]);
      } else {
        words.push.apply(words, terms(match[2].toLowerCase(), false));
      }
    }
    return words.join(" ");
  }
  window.sunlitSearchTerms = searchTerms;

  // A record's readable text (its meta's excerpt), around the first place the query's words
  // occur, with them marked.
  function excerpt(readable, query) {
    var text = String(readable || "").trim();
    var words = String(query || "").normalize("NFKC").split(/\s+/).filter(Boolean);
    var lower = text.toLowerCase();
    var at = -1;
    words.forEach(function (w) {
      var i = lower.indexOf(w.toLowerCase());
      if (i >= 0 && (at < 0 || i < at)) at = i;
    });
    var start = Math.max(0, at - 30);
    var part = text.slice(start, start + 120);
    var html = escapeHtml(part);
    words.forEach(function (w) {
      var safe = escapeHtml(w).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      html = html.replace(new RegExp(safe, "gi"), function (m) { return "<mark>" + m + "</mark>"; });
    });
    return (start > 0 ? "… " : "") + html + (start + 120 < text.length ? " …" : "");
  }

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

  // Pagefind's input carries only a placeholder: give it a visible label of its own.
  function labelInput(container, tries) {
    var input = container.querySelector("input.pagefind-ui__search-input");
    if (!input) {
      if (tries > 0) window.requestAnimationFrame(function () { labelInput(container, tries - 1); });
      return;
    }
    if (!input.id) input.id = "pagefind-query";
    var label = document.createElement("label");
    label.htmlFor = input.id;
    label.className = "search-label";
    label.textContent = container.getAttribute("data-label") || "搜索";
    container.insertBefore(label, container.firstChild);
  }

  window.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("search");
    if (!element || typeof PagefindUI === "undefined") return;
    var root = (element.getAttribute("data-site-root") || "").replace(/\/$/, "");
    var bundle = element.getAttribute("data-bundle") || root + "/pagefind/";
    var prefix = (element.getAttribute("data-lang-prefix") || "").replace(/\/$/, "");
    var lastQuery = "";
    var ui = new PagefindUI({
      element: "#search",
      bundlePath: bundle,
      showSubResults: false,
      showImages: false,
      resetStyles: false,
      processTerm: function (term) {
        lastQuery = term;
        return searchTerms(term);
      },
      processResult: function (result) {
        var meta = result.meta || {};
        result.excerpt = excerpt(meta.excerpt, lastQuery);
        var facts = [meta.type, meta.date, meta.amount].filter(Boolean);
        if (facts.length) {
          result.excerpt = '<span class="search-meta">' + escapeHtml(facts.join(" · ")) +
            "</span> " + (result.excerpt || "");
        }
        result.url = localise(result.url, root, prefix);
        return result;
      },
    });
    labelInput(element, 20);
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      ui.triggerSearch(query);
      var box = document.getElementById("site-search");
      if (box) box.value = query;
    }
  });
})();
