// Progressive enhancement for the preference centre: the page works fully without this file.
// After a change the address carries ?notice=saved (or paused, ...). Drop it once shown, so a reload or a
// bookmark does not announce the change again.
(function () {
  "use strict";
  if (!window.history || !window.history.replaceState || !window.URL) { return; }
  var url = new URL(window.location.href);
  if (!url.searchParams.has("notice")) { return; }
  url.searchParams.delete("notice");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
})();
