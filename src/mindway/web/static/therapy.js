// Exercise forms: save the draft as the person goes (a field left, or a pause in typing).
// Without this script the "Save draft" button does the same. The server screens every save:
// when a draft is flagged it answers with the crisis page, and we go there at once.
(function () {
  "use strict";
  var form = document.getElementById("exercise-form");
  var status = document.getElementById("draft-status");
  if (!form || !status || !window.fetch || !window.URLSearchParams) { return; }
  var timer = null;
  var busy = false;
  var inFlight = null;

  function save() {
    if (busy) { return; }
    busy = true;
    var data = new URLSearchParams(new FormData(form));
    data.set("action", "draft");
    inFlight = window.AbortController ? new AbortController() : null;
    var options = {method: "POST", body: data, credentials: "same-origin"};
    if (inFlight) { options.signal = inFlight.signal; }
    fetch(form.getAttribute("action"), options)  // form.action is the "action" buttons
      .then(function (response) {
        if (response.url.indexOf("help=now") !== -1) {
          window.location.assign(response.url);
          return;
        }
        status.textContent = response.ok ? "Draft saved." : "Could not save the draft just now.";
      })
      .catch(function () { status.textContent = "Could not save the draft just now."; })
      .then(function () { busy = false; });
  }

  function later() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(save, 1500);
  }

  form.addEventListener("change", later);
  form.addEventListener("input", later);
  // A button press sends the whole form itself: no draft may land after it (e.g. after Finish).
  form.addEventListener("submit", function () {
    if (timer) { window.clearTimeout(timer); }
    if (inFlight) { inFlight.abort(); }
    busy = true;
  });
}());
