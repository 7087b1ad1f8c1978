// Attempt pages work without JavaScript (each page's form posts its answers). With it, an
// answer is saved in the background as soon as it is given, and the timer counts down.
// The server alone decides the deadline; this only shows it.
//
// Last tap wins: saves from a page go one at a time, and each reads the answer and the
// question's latest revision from the page when it is SENT (never when the tap happened),
// so a reply can never carry an older answer over a newer one. Answers not yet acknowledged
// are kept on the device (localStorage, per attempt) and sent again, with back-off, until
// the server answers; they are removed at submit and at logout (Clear-Site-Data).
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var sync = form || document.querySelector("[data-attempt-sync]");
  var finished = document.querySelector("[data-attempt-finished]");
  var timer = document.querySelector("[data-seconds-left]");
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }

  if (finished && store) {
    // The attempt is graded: nothing of it stays on the device.
    store.removeItem("attempt-unsent:" + finished.getAttribute("data-attempt-finished"));
    try { window.sessionStorage.removeItem("attempt-sent:" + finished.getAttribute("data-attempt-finished")); } catch (e) { /* none */ }
  }

  var flushAll = null;  // set below when saving is possible: what the timer calls at 0
  if (timer) {
    var left = parseInt(timer.getAttribute("data-seconds-left"), 10);
    var value = timer.querySelector(".timer-value");
    var started = Date.now();
    var tick = function () {
      if (closed) { return; }  // the server closed the attempt: the clock stays at 0:00
      var remaining = Math.max(0, left - Math.floor((Date.now() - started) / 1000));
      var minutes = Math.floor(remaining / 60), seconds = remaining % 60;
      value.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (remaining === 0) {
        // With answers still unsent, send them (the server judges whether they are in time)
        // rather than reload a page that would lose them or fail offline.
        if (flushAll && flushAll()) { return; }
        if (navigator.onLine !== false) { window.location.reload(); }
        return;
      }
      window.setTimeout(tick, 1000);
    };
    tick();
  }

  if (!sync || !window.fetch || !window.FormData || !window.JSON) { return; }

  var attemptId = sync.getAttribute("data-attempt");
  var saveUrl = sync.getAttribute("data-save-url") || (form && form.action);
  var key = "attempt-unsent:" + attemptId;
  var text = function (name) { return sync.getAttribute("data-msg-" + name) || ""; };
  var csrf = (sync.querySelector("input[name=csrf_token]") || {}).value || "";
  var pageStatus = document.querySelector(".autosave-status");

  // --- what is kept on the device ------------------------------------------------------
  var readStore = function () {
    if (!store) { return {}; }
    try { return JSON.parse(store.getItem(key) || "{}") || {}; } catch (e) { return {}; }
  };
  var memory = {};  // without localStorage (private mode), the page's memory only
  var kept = function () { return store ? readStore() : memory; };
  var writeKept = function (all) {
    if (!store) { memory = all; return; }
    try {
      if (Object.keys(all).length) { store.setItem(key, JSON.stringify(all)); }
      else { store.removeItem(key); }
    } catch (e) { memory = all; }
  };
  var keep = function (position, choices, revision) {
    var all = kept();
    all[position] = { c: choices, r: revision, t: Date.now() };
    writeKept(all);
  };
  // Answers this tab sent whose reply has not come back (sessionStorage: this tab only, kept
  // across its pages): if the page is left or reloaded meanwhile, the server may have stored
  // one, and finding it there later is no conflict. Another tab's answers are not in it.
  var tab = null;
  try { tab = window.sessionStorage; } catch (e) { tab = null; }
  var sentKey = "attempt-sent:" + attemptId;
  var sentByTab = function () {
    if (!tab) { return {}; }
    try { return JSON.parse(tab.getItem(sentKey) || "{}") || {}; } catch (e) { return {}; }
  };
  var writeSent = function (all) {
    if (!tab) { return; }
    try {
      if (Object.keys(all).length) { tab.setItem(sentKey, JSON.stringify(all)); }
      else { tab.removeItem(sentKey); }
    } catch (e) { /* memory only */ }
  };
  var noteSent = function (position, choices) {
    var all = sentByTab();
    var list = (all[position] || []).filter(function (a) { return !same(a, choices); });
    list.push(choices);
    all[position] = list.slice(-8);
    writeSent(all);
  };
  var clearSent = function (position) {
    var all = sentByTab();
    if (all[position]) { delete all[position]; writeSent(all); }
  };
  var forget = function (position, choices) {
    var all = kept();
    var entry = all[position];
    // Only the answer that was acknowledged: a newer tap (this tab or another) stays.
    if (entry && (!choices || same(entry.c, choices))) { delete all[position]; writeKept(all); }
  };

  // --- the page's questions ------------------------------------------------------------
  var same = function (a, b) {
    if (a.length !== b.length) { return false; }
    var x = a.slice().sort(), y = b.slice().sort();
    for (var i = 0; i < x.length; i += 1) { if (String(x[i]) !== String(y[i])) { return false; } }
    return true;
  };
  var onPage = function (position) {
    return !!(form && form.querySelector('input[name="revision-' + position + '"]'));
  };
  var inputs = function (position) {
    return form.querySelectorAll('input[name="answer-' + position + '"]');
  };
  var chosen = function (position) {
    var list = [];
    Array.prototype.forEach.call(inputs(position), function (input) {
      if (input.checked) { list.push(parseInt(input.value, 10)); }
    });
    return list;
  };
  var revisionInput = function (position) {
    return form.querySelector('input[name="revision-' + position + '"]');
  };
  var setChosen = function (position, choices) {
    Array.prototype.forEach.call(inputs(position), function (input) {
      input.checked = choices.indexOf(parseInt(input.value, 10)) !== -1;
    });
  };
  var labelOf = function (position, choices) {
    var names = [];
    Array.prototype.forEach.call(inputs(position), function (input) {
      if (choices.indexOf(parseInt(input.value, 10)) !== -1) {
        var span = input.parentNode.querySelector("span");
        names.push("«" + (span ? span.textContent.trim() : input.value) + "»");
      }
    });
    return names.length ? names.join(", ") : text("none");
  };

  // --- states, in words ----------------------------------------------------------------
  var states = {};  // position -> "sending" | "unsent" | "saved" | "conflict"
  var statusOf = function (position) {
    var box = document.getElementById("q" + position);
    return box ? box.querySelector(".q-status") : null;
  };
  var show = function (position, state, message) {
    states[position] = state;
    var box = statusOf(position);
    if (box) {
      var words = message || text(state);
      if (box.textContent !== words) { box.textContent = words; }
      box.setAttribute("data-state", state);
    }
    refreshLists();
  };
  var unsentPositions = function () {
    var list = Object.keys(kept()).map(Number);
    Object.keys(states).forEach(function (p) {
      if ((states[p] === "sending" || states[p] === "unsent") && list.indexOf(+p) === -1) {
        list.push(+p);
      }
    });
    return list.sort(function (a, b) { return a - b; });
  };
  var refreshLists = function () {
    var unsent = unsentPositions();
    Array.prototype.forEach.call(document.querySelectorAll("[data-position]"), function (item) {
      var position = +item.getAttribute("data-position");
      var waiting = unsent.indexOf(position) !== -1;
      item.classList.toggle("unsent", waiting);
      var note = item.querySelector(".unsent-note");
      if (waiting && !note && item.tagName === "LI") {
        note = document.createElement("span");
        note.className = "badge unsent-note";
        note.textContent = text("unsent-short");
        item.appendChild(note);
      } else if (!waiting && note) {
        note.parentNode.removeChild(note);
      }
      if (item.tagName === "BUTTON") {
        var base = item.getAttribute("data-label") || item.getAttribute("aria-label");
        item.setAttribute("data-label", base);
        item.setAttribute("aria-label", waiting ? base + ", " + text("unsent-short") : base);
      }
    });
    var line = document.querySelector(".unsent-line");
    if (line) {
      line.textContent = unsent.length ? text("unsent-list").replace("{list}", unsent.join(", ")) : "";
    }
    if (pageStatus) {
      var words = closed ? "" : unsent.length ? text("unsent-count").replace("{n}", unsent.length)
        : (Object.keys(states).length ? text("saved") : "");
      if (pageStatus.textContent !== words) { pageStatus.textContent = words; }
    }
  };

  // What the server holds: the count at the top and the map's "answered" marks follow each
  // stored answer, so the page never says 0 answered next to a saved answer.
  var answeredLine = document.querySelector(".answered-count");
  var answered = {};
  if (answeredLine) {
    (answeredLine.getAttribute("data-positions") || "").split(",").forEach(function (p) {
      if (p) { answered[p] = true; }
    });
  }
  var noteStored = function (position, answer) {
    var has = !!(answer && answer.length);
    if (!!answered[position] === has) { return; }
    if (has) { answered[position] = true; } else { delete answered[position]; }
    if (answeredLine) { answeredLine.textContent = String(Object.keys(answered).length); }
    var item = document.querySelector(".question-map [data-position='" + position + "']");
    if (item) {
      item.classList.toggle("answered", has);
      var base = text("question").replace("{n}", position);
      item.setAttribute("data-label", has ? base + ", " + text("answered") : base);
      item.setAttribute("aria-label", item.getAttribute("data-label"));
    }
  };

  // --- sending: one request at a time ---------------------------------------------------
  var dirty = {};        // positions to send; the answer is read when the request leaves
  var unconfirmed = {};  // position -> answers sent whose reply never came (they may be stored)
  var conflicts = 0;
  var say = function (words) {
    var notice = document.querySelector(".nav-notice");
    if (notice) { notice.textContent = words; }
  };
  var inFlight = false, closed = false, delay = 0, retryTimer = null, waiters = [];

  var hasWork = function () { return Object.keys(dirty).length > 0; };
  var settle = function () {
    if (inFlight || hasWork()) { return; }
    var done = waiters; waiters = [];
    done.forEach(function (resolve) { resolve(!closed && unsentPositions().length === 0); });
  };
  var retryLater = function () {
    if (retryTimer) { return; }
    delay = Math.min(delay ? delay * 2 : 1000, 15000);
    retryTimer = window.setTimeout(function () { retryTimer = null; pump(); },
      delay + Math.floor(Math.random() * 300));
  };

  var pump = function () {
    if (inFlight || closed || !hasWork()) { settle(); return; }
    if (navigator.onLine === false) {
      Object.keys(dirty).forEach(function (p) { show(+p, "unsent"); });
      settle();
      return;  // the "online" event sends them
    }
    var positions = Object.keys(dirty).map(Number);
    dirty = {};
    var sent = {};
    var data = new FormData();
    data.append("csrf_token", csrf);
    positions.forEach(function (position) {
      var answer, revision;
      if (onPage(position)) {
        answer = chosen(position);
        revision = parseInt(revisionInput(position).value, 10);
      } else {
        var entry = kept()[position];
        if (!entry) { return; }
        answer = entry.c; revision = entry.r;
      }
      sent[position] = answer;
      noteSent(position, answer);
      data.append("shown", String(position));
      answer.forEach(function (choice) { data.append("answer-" + position, String(choice)); });
      data.append("revision-" + position, String(revision));
      show(position, "sending");
    });
    if (!Object.keys(sent).length) { settle(); return; }
    inFlight = true;
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = window.setTimeout(function () { if (controller) { controller.abort(); } }, 30000);
    fetch(saveUrl, {
      method: "POST", body: data, credentials: "same-origin", redirect: "follow",
      headers: { "Accept": "application/json" }, signal: controller ? controller.signal : undefined
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json) {
        if (response.redirected) {
          // The form expired (CSRF) or the session ended: the answers are kept on the
          // device, and the page, loaded again, sends them.
          window.location.reload();
          return null;
        }
        if (response.status === 400) {
          // Refused as invalid: sending it again would be refused again.
          Object.keys(sent).forEach(function (p) { forget(+p, sent[p]); });
          window.location.reload();
          return null;
        }
        throw new Error(String(response.status));
      }
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (reply) {
      window.clearTimeout(timeout);
      inFlight = false;
      if (reply) { delay = 0; handle(reply.status, reply.body, sent); }
      pump();
    }).catch(function () {
      // Offline, timed out or a server error: the request may or may not have been stored.
      // Send again (with back-off) whatever the page holds then.
      window.clearTimeout(timeout);
      inFlight = false;
      Object.keys(sent).forEach(function (p) {
        (unconfirmed[p] = unconfirmed[p] || []).push(sent[p]);
        dirty[p] = true;
        show(+p, "unsent");
      });
      settle();
      retryLater();
    });
  };

  var handle = function (status, body, sent) {
    if (body.closed) { close(body, sent); return; }
    var revisions = body.revisions || {};
    var staleList = (body.stale || []).map(String);
    Object.keys(sent).forEach(function (p) {
      var position = +p;
      if (revisions[p] !== undefined) {
        if (onPage(position)) { revisionInput(position).value = revisions[p]; }
        // A newer tap kept on the device was made on top of this answer: it now stands on
        // the new revision (a reload must not send it as if from a stale page).
        var newer = kept()[p];
        if (newer && !same(newer.c, sent[p])) { keep(position, newer.c, revisions[p]); }
      }
      if (staleList.indexOf(p) === -1) {
        delete unconfirmed[p];
        clearSent(p);
        forget(position, sent[p]);
        noteStored(position, sent[p]);
        if (!dirty[p]) { show(position, "saved"); }
        return;
      }
      var stored = (body.kept || {})[p] || [];
      noteStored(position, stored);
      var mine = (unconfirmed[p] || []).concat(sentByTab()[p] || []);
      clearSent(p);
      var ours = mine.some(function (answer) { return same(answer, stored); });
      delete unconfirmed[p];
      var current = onPage(position) ? chosen(position) : (kept()[p] || {}).c;
      if (ours || dirty[p]) {
        // Our own earlier save got there (its reply was lost), or the person tapped again
        // after this request left: with the new revision, the page's answer goes again.
        if (current && !same(current, stored)) {
          if (!onPage(position)) { keep(position, current, revisions[p]); }
          dirty[p] = true;
          show(position, "sending");
        } else {
          forget(position);
          show(position, "saved");
        }
        return;
      }
      // A real conflict: another tab or device changed this question. Its answer is kept;
      // the page shows it and lets the person choose again.
      forget(position);
      conflicts += 1;
      var words = text("conflict").replace("{answer}", labelOf(position, stored));
      if (onPage(position)) { setChosen(position, stored); }
      else { words = text("question").replace("{n}", position) + ": " + words; say(words); }
      show(position, "conflict", words);
    });
  };

  var close = function (body, sent) {
    closed = true;
    var refused = unsentPositions();
    (body.refused || []).forEach(function (p) { if (refused.indexOf(+p) === -1) { refused.push(+p); } });
    Object.keys(sent).forEach(function (p) { if (refused.indexOf(+p) === -1) { refused.push(+p); } });
    refused.sort(function (a, b) { return a - b; });
    dirty = {};
    writeKept({});
    if (store) { store.removeItem(key); }
    writeSent({});
    states = {};
    refused.forEach(function (p) { show(p, "late"); });
    var clock = document.querySelector(".timer-value");
    if (clock) { clock.textContent = "0:00"; }
    var panel = document.querySelector(".attempt-closed");
    if (panel) {
      panel.querySelector(".closed-text").textContent = refused.length
        ? text("closed").replace("{list}", refused.join(", ")) : text("closed-none");
      panel.querySelector("a").setAttribute("href", body.result);
      panel.hidden = false;
      panel.focus();
    }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-autosave] input, form[data-autosave] button, [data-attempt-sync] button"),
      function (el) { el.disabled = true; });
    settle();
  };

  var queue = function (position) {
    dirty[position] = true;
    show(position, navigator.onLine === false ? "unsent" : "sending");
    pump();
  };

  // Wait until everything is acknowledged (true) or the attempt closed / could not send.
  var flush = function () {
    return new Promise(function (resolve) {
      waiters.push(resolve);
      if (navigator.onLine === false) { settle(); return; }
      if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
      pump();
    });
  };

  // --- starting: what the device kept from before (a reload, another page, offline) ------
  var saved = kept();
  Object.keys(saved).forEach(function (p) {
    var position = +p;
    if (onPage(position)) {
      // The person's last tap is on the device: show it, with the revision it was made on.
      setChosen(position, saved[p].c);
      revisionInput(position).value = saved[p].r;
    }
    dirty[position] = true;
    show(position, navigator.onLine === false ? "unsent" : "sending");
  });

  if (form) {
    form.addEventListener("change", function (event) {
      var match = /^answer-(\d+)$/.exec(event.target.name || "");
      if (!match || closed) { return; }
      var position = +match[1];
      // Kept on the device at once; what is sent is read from the page when it leaves.
      keep(position, chosen(position), parseInt(revisionInput(position).value, 10));
      queue(position);
    });
  }

  // Moving on (next question, the map, submit) waits for the answers to be acknowledged:
  // a form post racing a background save could be refused as stale.
  var lastSubmitter = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[type=submit]") : null;
    if (button) { lastSubmitter = button; }
  }, true);
  var guard = function (target) {
    target.addEventListener("submit", function (event) {
      if (closed) { event.preventDefault(); return; }
      if (!unsentPositions().length && !inFlight) { return; }
      event.preventDefault();
      if (navigator.onLine === false) { say(text("offline-nav")); return; }
      say(text("flushing"));
      var submitter = event.submitter || lastSubmitter;
      var before = conflicts;
      flush().then(function (ok) {
        if (conflicts !== before) { say(text("conflict-nav")); return; }
        if (!ok) { if (!closed) { say(navigator.onLine === false ? text("offline-nav") : text("conflict-nav")); } return; }
        say("");
        if (submitter && submitter.name) {
          var hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
          target.appendChild(hidden);
        }
        HTMLFormElement.prototype.submit.call(target);
      });
    });
  };
  Array.prototype.forEach.call(document.querySelectorAll("form[data-autosave], form[data-attempt-sync]"), guard);

  window.addEventListener("online", function () {
    delay = 0;
    if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
    pump();
  });
  window.addEventListener("offline", function () {
    Object.keys(dirty).forEach(function (p) { show(+p, "unsent"); });
  });

  flushAll = function () {
    if (!unsentPositions().length && !inFlight) { return false; }
    unsentPositions().forEach(function (p) { dirty[p] = true; });
    // The server judges whether they are in time; once it has answered, the page reloads
    // (unless the attempt closed: the page then says which answers counted).
    flush().then(function (ok) { if (ok) { window.location.reload(); } });
    return true;
  };

  // A conflict on a question not on this page still has to be seen: the whole-page line.
  refreshLists();
  pump();
})();
