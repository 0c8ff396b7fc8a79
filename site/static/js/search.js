// The search page: a small search UI over Pagefind's own API (pagefind.js), served from this
// site. No inline script and no eval: the page's CSP can be script-src 'self' 'wasm-unsafe-eval'.
// Paths come from the #search element, never from "/": the site may be served below a path
// (data-bundle="/sunlit/pagefind/") and the page may be an English one under /en/
// (data-lang-prefix="/en"), whose results then link to the English pages.
// A query in ?q= (from the search box in every page's header) runs at once.
// Chinese is searched as overlapping bigrams, as `sunlit search` does: search/browser.py gives
// Pagefind each record's bigrams as Latin words ("zh" and four letters a character) and keeps the
// readable text in the record's meta (excerpt); sunlitSearchTerms() turns a query into the same
// words, so a two-character fragment of a name finds it and Pagefind's dictionary segmenter never
// cuts a name wrongly.
//
// Why not Pagefind's own UI: it loads every filter's index when the page opens, and from then on
// Pagefind counts, for every query, each filter value's records against the results one record at
// a time (seconds a query at 100,000 records). Here a filter's index is loaded only when its
// panel is opened or a value chosen; Pagefind starts loading when the page does, not at the first
// query; and only the shown results' fragments are fetched.
// Each shard of the index is searched in a worker of its own (search-worker.js), all at once: at
// 100,000 records, once a query's words are fetched, Pagefind's search itself is most of its time,
// and Pagefind's mergeIndex searches its shards one after another in its one worker.
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


  var FILTERS = ["type", "year", "region", "department"];
  var PAGE_SIZE = 5;
  var TYPING_PAUSE_MS = 150; // a query typed in the box runs once typing pauses this long
  var TEXT = {
    zh: { searching: "搜索中…", none: "没有找到结果", found: function (n) { return "找到 " + n + " 个结果"; },
          more: "更多结果", filters: "筛选", pick: "先输入搜索词，再按此项筛选" },
    en: { searching: "Searching…", none: "No results", found: function (n) { return n + (n === 1 ? " result" : " results"); },
          more: "More results", filters: "Filters", pick: "Search first, then filter by this" },
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // search.js's own folder: search-worker.js sits next to it.
  var WORKER = document.currentScript.src.replace(/[^/]*$/, "search-worker.js");

  // A shard's worker: calls answered in turn, each by a promise.
  function Shard(url) {
    var worker = new Worker(url, { type: "module" });
    var pending = {};
    var calls = 0;
    worker.addEventListener("message", function (event) {
      var answer = event.data;
      var call = pending[answer.call];
      delete pending[answer.call];
      if (answer.error) call.reject(new Error(answer.error)); else call.resolve(answer.result);
    });
    this.call = function (method, args) {
      var call = ++calls;
      return new Promise(function (resolve, reject) {
        pending[call] = { resolve: resolve, reject: reject };
        worker.postMessage({ call: call, method: method, args: args });
      });
    };
  }

  // Each shard's results as {shard, index, score}, by score, as Pagefind's mergeIndex orders them
  // (a stable sort: of equal scores, the earlier shard's first); and their filters' counts summed.
  function merge(answers, shards) {
    var results = [];
    var filters = {};
    answers.forEach(function (answer, n) {
      answer.scores.forEach(function (score, index) {
        results.push({ shard: shards[n], index: index, score: score });
      });
      Object.keys(answer.filters).forEach(function (name) {
        var counts = filters[name] = filters[name] || {};
        Object.keys(answer.filters[name]).forEach(function (value) {
          counts[value] = (counts[value] || 0) + answer.filters[name][value];
        });
      });
    });
    results.sort(function (a, b) { return b.score - a.score; });
    return { results: results, filters: filters };
  }

  function SearchPage(element) {
    var root = (element.getAttribute("data-site-root") || "").replace(/\/$/, "");
    var bundle = element.getAttribute("data-bundle") || root + "/pagefind/";
    var prefix = (element.getAttribute("data-lang-prefix") || "").replace(/\/$/, "");
    var text = /^en/i.test(document.documentElement.lang || "") ? TEXT.en : TEXT.zh;
    var label = element.getAttribute("data-label") || "搜索";

    // Pagefind's script, WebAssembly and metadata load now, while the visitor types: one worker
    // (search-worker.js) per shard of the index, listed in sunlit-shards.json (search/browser.py),
    // so that the shards are searched at once on as many cores.
    var shards = fetch(bundle + "sunlit-shards.json").then(function (response) {
      return response.ok ? response.json() : { shards: [] };
    }).then(function (listed) { return listed.shards || []; }, function () { return []; });
    var workers = shards.then(function (folders) {
      return Promise.all([""].concat(folders).map(function (folder) {
        var shard = new Shard(WORKER);
        return shard.call("init", [bundle, bundle + folder, { excerptLength: 30 }])
          .then(function () { return shard; });
      }));
    });
    window.sunlitSearchReady = workers.then(function () { return true; });

    var ui = el("div", "pagefind-ui");
    var form = el("form", "pagefind-ui__form");
    form.setAttribute("role", "search");
    var inputLabel = el("label", "search-label", label);
    inputLabel.htmlFor = "pagefind-query";
    var input = el("input", "pagefind-ui__search-input");
    input.id = "pagefind-query";
    input.type = "search";
    input.autocomplete = "off";
    input.placeholder = label;
    form.appendChild(inputLabel);
    form.appendChild(input);
    var drawer = el("div", "pagefind-ui__drawer");
    var panel = el("div", "pagefind-ui__filter-panel");
    panel.setAttribute("aria-label", text.filters);
    panel.setAttribute("role", "group");
    var area = el("div", "pagefind-ui__results-area");
    var message = el("p", "pagefind-ui__message");
    message.setAttribute("role", "status");
    var list = el("ol", "pagefind-ui__results");
    var more = el("button", "pagefind-ui__button", text.more);
    more.type = "button";
    more.hidden = true;
    area.appendChild(message);
    area.appendChild(list);
    area.appendChild(more);
    drawer.appendChild(panel);
    drawer.appendChild(area);
    ui.appendChild(form);
    ui.appendChild(drawer);
    element.appendChild(ui);

    var chosen = {};   // filter -> {value: true}
    var opened = {};   // filters whose panel has been opened: Pagefind counts their values
    var blocks = {};
    var query = "";
    var results = [];
    var shown = 0;
    var latest = 0;
    var pause = null;

    FILTERS.forEach(function (name) {
      chosen[name] = {};
      var block = el("details", "pagefind-ui__filter-block");
      var summary = el("summary", "pagefind-ui__filter-name", name);
      var group = el("fieldset", "pagefind-ui__filter-group");
      group.appendChild(el("legend", "visually-hidden", name));
      block.appendChild(summary);
      block.appendChild(group);
      block.addEventListener("toggle", function () {
        if (block.open && !opened[name]) {
          opened[name] = true;
          if (query) search(); else group.appendChild(el("p", "muted", text.pick));
        }
      });
      blocks[name] = { block: block, group: group };
      panel.appendChild(block);
    });

    function filterOptions() {
      var filters = {};
      FILTERS.forEach(function (name) {
        var values = Object.keys(chosen[name]).filter(function (v) { return chosen[name][v]; });
        // {any: []} filters nothing but makes Pagefind load the filter, so that it counts it.
        if (values.length) filters[name] = values;
        else if (opened[name]) filters[name] = { any: [] };
      });
      return filters;
    }

    function renderFilters(counts) {
      FILTERS.forEach(function (name) {
        if (!opened[name]) return;
        var group = blocks[name].group;
        var values = counts[name] || {};
        while (group.childNodes.length > 1) group.removeChild(group.lastChild);
        Object.keys(values).forEach(function (value) {
          if (!values[value] && !chosen[name][value]) return;
          var row = el("label", "pagefind-ui__filter-label");
          var box = el("input", "pagefind-ui__filter-checkbox");
          box.type = "checkbox";
          box.checked = !!chosen[name][value];
          box.addEventListener("change", function () {
            chosen[name][value] = box.checked;
            search();
          });
          row.appendChild(box);
          row.appendChild(document.createTextNode(" " + value + " (" + values[value] + ")"));
          group.appendChild(row);
        });
      });
    }

    function renderResult(data) {
      var meta = data.meta || {};
      var item = el("li", "pagefind-ui__result");
      var inner = el("div", "pagefind-ui__result-inner");
      var title = el("p", "pagefind-ui__result-title");
      var link = el("a", "pagefind-ui__result-link", meta.title || data.url);
      link.href = localise(data.url, root, prefix);
      title.appendChild(link);
      var body = el("p", "pagefind-ui__result-excerpt");
      var facts = [meta.type, meta.date, meta.amount].filter(Boolean);
      body.innerHTML = (facts.length ? '<span class="search-meta">' +
        escapeHtml(facts.join(" · ")) + "</span> " : "") + excerpt(meta.excerpt, query);
      inner.appendChild(title);
      inner.appendChild(body);
      item.appendChild(inner);
      return item;
    }

    // The next PAGE_SIZE results: only their fragments are fetched.
    function showMore(id) {
      var page = results.slice(shown, shown + PAGE_SIZE);
      shown += page.length;
      return Promise.all(page.map(function (r) {
        return r.shard.call("data", [id, r.index]);
      })).then(function (data) {
        if (id !== latest) return;
        data.forEach(function (d) { list.appendChild(renderResult(d)); });
        more.hidden = shown >= results.length;
        element.dispatchEvent(new CustomEvent("sunlit:results", { detail: { query: query, shown: shown } }));
      });
    }

    function search() {
      var id = ++latest;
      var filters = filterOptions();
      var anyChosen = FILTERS.some(function (n) { return Array.isArray(filters[n]); });
      if (!query.trim() && !anyChosen) {
        results = [];
        list.textContent = "";
        message.textContent = "";
        more.hidden = true;
        return Promise.resolve();
      }
      message.textContent = text.searching;
      var term = query.trim() ? searchTerms(query) : null;
      return workers.then(function (shards) {
        return Promise.all(shards.map(function (shard) {
          return shard.call("search", [id, term, filters]);
        })).then(function (answers) { return merge(answers, shards); });
      }).then(function (found) {
        if (id !== latest) return;
        results = found.results;
        shown = 0;
        list.textContent = "";
        message.textContent = results.length ? text.found(results.length) : text.none;
        renderFilters(found.filters || {});
        if (!results.length) {
          more.hidden = true;
          element.dispatchEvent(new CustomEvent("sunlit:results", { detail: { query: query, shown: 0 } }));
          return;
        }
        return showMore(id);
      });
    }

    function run(value) {
      window.clearTimeout(pause);
      query = String(value || "");
      return search();
    }

    input.addEventListener("input", function (event) {
      if (event.isComposing) return; // an input method is still composing the word
      window.clearTimeout(pause);
      var value = input.value;
      pause = window.setTimeout(function () { run(value); }, TYPING_PAUSE_MS);
    });
    input.addEventListener("compositionend", function () { run(input.value); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run(input.value);
    });
    more.addEventListener("click", function () { showMore(latest); });

    this.run = function (value) {
      input.value = value;
      return run(value);
    };
  }

  window.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("search");
    if (!element) return;
    var page = new SearchPage(element);
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      page.run(query);
      var box = document.getElementById("site-search");
      if (box) box.value = query;
    }
  });
})();
