// The search page: Pagefind's UI over Sunlit's own index, served from this site.
// A query in ?q= (from the search box in every page's header) runs at once.
window.addEventListener("DOMContentLoaded", function () {
  var ui = new PagefindUI({
    element: "#search",
    showSubResults: false,
    showImages: false,
    resetStyles: false,
  });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    ui.triggerSearch(query);
    var box = document.getElementById("site-search");
    if (box) box.value = query;
  }
});
