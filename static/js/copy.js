// Optional: a "Copy" button for the ready message (the page works without it: the text is
// in a read-only box to select by hand). The button stays hidden when this script does not run.
// The copy is made at once inside the click (execCommand works on http:// too, where a laptop
// serves its LAN); the Clipboard API is the fallback, and when neither can copy the text stays
// selected and the status says to copy it by hand. The status is never left empty.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    var status = document.querySelector(button.getAttribute("data-status"));
    if (!source) { return; }
    var say = function (key) {
      if (status) { status.textContent = button.getAttribute(key); }
    };
    button.hidden = false;
    button.addEventListener("click", function () {
      source.focus();
      source.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      if (copied) { say("data-done"); return; }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(
          function () { say("data-done"); },
          function () { say("data-manual"); }
        );
      } else {
        say("data-manual");
      }
    });
  });
})();
