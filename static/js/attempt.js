// Attempt pages work without JavaScript (each page's form posts its answers). With it, an
// answer is saved in the background as soon as it is given, and the timer counts down.
// The server alone decides the deadline; this only shows it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var status = document.querySelector(".autosave-status");
  var timer = document.querySelector("[data-seconds-left]");

  if (timer) {
    var left = parseInt(timer.getAttribute("data-seconds-left"), 10);
    var value = timer.querySelector(".timer-value");
    var started = Date.now();
    var tick = function () {
      var remaining = Math.max(0, left - Math.floor((Date.now() - started) / 1000));
      var minutes = Math.floor(remaining / 60), seconds = remaining % 60;
      value.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (remaining === 0) { window.location.reload(); return; }
      window.setTimeout(tick, 1000);
    };
    tick();
  }

  if (!form || !window.fetch || !window.FormData) { return; }
  var pending = Promise.resolve();

  var save = function () {
    var data = new FormData(form);
    data.delete("go");
    pending = pending.then(function () {
      return fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (response.status === 409 || response.status === 400) { window.location.reload(); return; }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json().then(function (body) {
          Object.keys(body.revisions || {}).forEach(function (position) {
            var input = form.querySelector('input[name="revision-' + position + '"]');
            if (input) { input.value = body.revisions[position]; }
          });
          if (status) { status.textContent = status.getAttribute("data-saved") || "✓"; }
        });
      }).catch(function () {
        // Offline or a server error: the answer is still in the form and goes with the next
        // page's submit.
        if (status) { status.textContent = status.getAttribute("data-offline") || "…"; }
      });
    });
  };
  form.addEventListener("change", save);
})();
