// One shard of the search index (search/browser.py), searched by Pagefind's own API in a worker of
// its own, started by search.js, so that the shards of a large index are searched at once on as
// many cores. Pagefind in a worker runs on the worker's thread (its own worker needs a window).
// Only each result's score crosses to the page, not the result itself: at 100,000 records a
// two-character query matches some 3,400, and copying them and their word locations from
// Pagefind's worker to the page cost more than a shard's search. The page merges the shards' scores
// (as Pagefind's mergeIndex does) and asks for the data of the few results it shows.
let pagefind = null;
const searches = new Map(); // search id -> its results (the latest few)
const KEEP = 4;

async function init(bundle, base, options) {
  pagefind = await import(bundle + "pagefind.js");
  await pagefind.options({ ...options, basePath: base });
  // An empty search returns once the index is loaded.
  await pagefind.search("");
}

async function search(id, term, filters) {
  const found = await pagefind.search(term, { filters });
  searches.set(id, found.results);
  for (const old of searches.keys()) {
    if (searches.size <= KEEP) break;
    searches.delete(old);
  }
  const scores = Float64Array.from(found.results, (r) => r.score);
  return { result: { scores, filters: found.filters || {} }, transfer: [scores.buffer] };
}

async function data(id, index) {
  const results = searches.get(id);
  return { result: results && results[index] ? await results[index].data() : null };
}

self.addEventListener("message", async (event) => {
  const { call, method, args } = event.data;
  try {
    let reply = { result: null };
    if (method === "init") {
      await init(...args);
    } else if (method === "search") {
      reply = await search(...args);
    } else if (method === "data") {
      reply = await data(...args);
    }
    self.postMessage({ call, result: reply.result }, reply.transfer || []);
  } catch (error) {
    self.postMessage({ call, error: String((error && error.message) || error) });
  }
});
