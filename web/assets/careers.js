// Progressive enhancement for the careers form: the form works without this file; with it, errors show
// without a page load where the server has no page to show, and the visitor's time zone is filled in for them.
(function () {
  "use strict";
  var form = document.getElementById("careers-form");
  if (!form || !window.fetch) { return; }

  var tz = document.getElementById("timezone");
  try {
    if (tz && !tz.value && window.Intl) { tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; }
  } catch (e) { /* leave it for the visitor */ }

  var params = new URLSearchParams(window.location.search);
  ["utm_source", "utm_medium", "utm_campaign", "referrer_id"].forEach(function (name) {
    var input = form.elements[name];
    if (input && !input.value && params.get(name)) { input.value = params.get(name); }
  });

  // A problem with the whole form (too many sign-ups, no connection): the summary says it, with no page load.
  function showProblem(message) {
    var summary = document.getElementById("error-summary");
    var list = summary.querySelector(".error-list");
    var item = document.createElement("li");
    item.textContent = message;
    list.replaceChildren(item);
    summary.hidden = false;
    summary.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) { window.location.assign("/thanks"); return; }
        var error = body.error || {};
        // Field errors come back as the page itself (the server words them for people and links each from
        // the summary): the same post, without script, is answered with exactly that page.
        if (response.status === 422) { HTMLFormElement.prototype.submit.call(form); return; }
        showProblem(error.message || "Something went wrong. Please try again.");
        button.disabled = false;
      });
    }).catch(function () {
      showProblem("We could not reach the server. Please check your connection and try again.");
      button.disabled = false;
    });
  });
})();
