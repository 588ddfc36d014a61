// Progressive enhancement for the careers form: the form works without this file; with it, errors show
// without a page load and the visitor's time zone is filled in for them.
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

  // Where an error at a model location is shown: mirrors talentpool.models.capture_form.form_field_for.
  function fieldFor(loc) {
    var path = loc.filter(function (p) { return typeof p === "string"; });
    if (path[0] === "location") { return path[1] || "city"; }
    if (path[0] === "consent") { return "consent"; }
    if (path[0] === "source" || path[0] === "website" || !path.length) { return "form"; }
    return form.elements[path[0]] || path[0] === "interests" ? path[0] : "form";
  }

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(document.querySelectorAll(".field-error, #form-error"), function (el) {
      el.textContent = ""; el.hidden = true;
    });
    document.getElementById("error-summary").hidden = true;
  }

  function showErrors(fields, message) {
    var summary = document.getElementById("error-summary");
    var first = null;
    (fields.length ? fields : [{ loc: [], msg: message }]).forEach(function (f) {
      var name = fieldFor(f.loc || []);
      var box = document.getElementById(name === "form" ? "form-error" : name + "-error");
      if (!box) { box = document.getElementById("form-error"); }
      var msg = f.msg.charAt(0).toUpperCase() + f.msg.slice(1);
      box.textContent = box.textContent ? box.textContent + "; " + msg : msg;
      box.hidden = false;
      var input = document.getElementById(name);
      if (input) { input.setAttribute("aria-invalid", "true"); first = first || input; }
    });
    summary.hidden = false;
    (first || summary).focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
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
        showErrors(error.fields || [], error.message || "Something went wrong. Please try again.");
        button.disabled = false;
      });
    }).catch(function () {
      showErrors([], "We could not reach the server. Please check your connection and try again.");
      button.disabled = false;
    });
  });
})();
