// Reading offline (optional: every page works without it). Registers the service worker,
// offers a course for download with the space it takes, sends "lesson done" marks made
// offline once the connection returns, lists what can be read on the offline page, and
// forgets everything stored at logout (the server also sends Clear-Site-Data).
(function () {
  "use strict";
  var body = document.body;
  var user = body.getAttribute("data-user") || "";
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }
  var sw = navigator.serviceWorker;

  var ask = function (message) {
    // A message to the active service worker, answered on a channel of its own.
    return sw.ready.then(function (registration) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data || {}); };
        registration.active.postMessage(message, [channel.port2]);
      });
    });
  };
  var kilobytes = function (bytes) { return Math.max(1, Math.round(bytes / 1024)) + " KB"; };

  var forgetAll = function () {
    if (store) {
      Object.keys(store).forEach(function (k) {
        if (k.indexOf("attempt-unsent:") === 0 || k === "lesson-done" || k === "offline-user") { store.removeItem(k); }
      });
    }
    if (sw && sw.controller) { return ask({ type: "forget" }); }
    return Promise.resolve();
  };

  if (sw && window.isSecureContext !== false) {
    if (user && store && store.getItem("offline-user") && store.getItem("offline-user") !== user) {
      // Another person on this phone: nothing of the previous one may show.
      forgetAll();
    }
    if (user && store) { store.setItem("offline-user", user); }
    sw.register("/sw.js", { scope: "/" }).catch(function () { /* reading online still works */ });
  }

  // Logging out: whatever this device kept for the person goes.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-logout]"), function (form) {
    form.addEventListener("submit", function () { forgetAll(); });
  });

  // --- "lesson done" while offline ---------------------------------------------------------
  var queued = function () {
    if (!store) { return []; }
    try { return JSON.parse(store.getItem("lesson-done") || "[]"); } catch (e) { return []; }
  };
  var setQueued = function (list) {
    if (!store) { return; }
    if (list.length) { store.setItem("lesson-done", JSON.stringify(list)); } else { store.removeItem("lesson-done"); }
  };
  var token = function () {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  };
  var sending = false;
  var sendQueued = function () {
    var list = queued();
    if (sending || !list.length || navigator.onLine === false || !token()) { return; }
    sending = true;
    var next = function () {
      var item = queued()[0];
      if (!item) { sending = false; return; }
      var data = new FormData();
      data.append("csrf_token", token());
      // A fetch that follows redirects: arriving anywhere but the login page means stored.
      fetch(item.url, { method: "POST", body: data, credentials: "same-origin" }).then(function (response) {
        if (!response.ok || /\/login/.test(response.url)) { throw new Error("not stored"); }
        setQueued(queued().slice(1));
        next();
      }).catch(function () { sending = false; });
    };
    next();
  };
  Array.prototype.forEach.call(document.querySelectorAll("form[data-lesson-done]"), function (form) {
    var keepOnPhone = function () {
      var list = queued();
      if (!list.some(function (item) { return item.url === form.action; })) {
        list.push({ url: form.action, at: Date.now() });
        setQueued(list);
      }
      var notice = form.querySelector(".offline-notice");
      if (notice) { notice.textContent = form.getAttribute("data-msg-queued"); }
      var nextLink = document.querySelector("a[rel=next]");
      if (nextLink) { window.setTimeout(function () { window.location.href = nextLink.href; }, 1200); }
    };
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; }  // the plain form post
      event.preventDefault();
      if (navigator.onLine === false) { keepOnPhone(); return; }
      // Sent here rather than by the browser, so that a send that fails while the phone
      // believes it is online (a weak signal, a dropped connection) is kept too.
      var controller = window.AbortController ? new AbortController() : null;
      var timer = window.setTimeout(function () { if (controller) { controller.abort(); } }, 20000);
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json" }, signal: controller ? controller.signal : undefined
      }).then(function (response) {
        window.clearTimeout(timer);
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.ok && json) {
          return response.json().then(function (body) { window.location.href = body.next; });
        }
        if (response.status >= 500) { throw new Error(String(response.status)); }
        // Refused, or the session ended: the form itself, so the server's page says why.
        form.submit();
      }).catch(function () {
        window.clearTimeout(timer);
        if (button) { button.disabled = false; }
        keepOnPhone();
      });
    });
  });
  window.addEventListener("online", sendQueued);
  sendQueued();

  // --- downloading a course -------------------------------------------------------------
  var offer = document.querySelector("[data-offline-course]");
  if (offer && sw) {
    var urls = JSON.parse(offer.getAttribute("data-urls") || "[]");
    var state = offer.querySelector(".offline-state");
    var button = offer.querySelector("button");
    var say = function (words) { state.textContent = words; };
    offer.hidden = false;
    ask({ type: "status", urls: urls }).then(function (reply) {
      if (reply.total && reply.stored === reply.total) {
        say(offer.getAttribute("data-msg-ready").replace("{size}", kilobytes(reply.bytes)));
      }
    });
    button.addEventListener("click", function () {
      button.disabled = true;
      say(offer.getAttribute("data-msg-working"));
      ask({ type: "download", urls: urls }).then(function (reply) {
        button.disabled = false;
        if (reply.stored === reply.total) {
          say(offer.getAttribute("data-msg-ready").replace("{size}", kilobytes(reply.bytes)));
        } else {
          say(offer.getAttribute("data-msg-partial")
            .replace("{stored}", reply.stored).replace("{total}", reply.total));
        }
      });
    });
  }

  // --- the offline page: what can be read ------------------------------------------------
  var shelf = document.querySelector("[data-offline-list]");
  if (shelf && window.caches) {
    caches.open("pages").then(function (cache) { return cache.keys(); }).then(function (requests) {
      var lessons = requests.map(function (r) { return new URL(r.url); }).filter(function (u) {
        return /^\/courses\/[^/]+(\/lessons\/(?!media\/)[^/]+)?$/.test(u.pathname);
      });
      return Promise.all(lessons.map(function (u) {
        return caches.match(u.href).then(function (r) { return r.text(); }).then(function (html) {
          var title = (/<title>([^<]*)<\/title>/.exec(html) || [])[1] || u.pathname;
          var text = document.createElement("textarea");
          text.innerHTML = title.split(" · ")[0];  // decode entities, never parse as HTML
          return { href: u.pathname, title: text.value };
        });
      }));
    }).then(function (items) {
      if (!items.length) { return; }
      shelf.textContent = "";
      items.sort(function (a, b) { return a.href < b.href ? -1 : 1; }).forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = item.href; a.textContent = item.title;
        li.appendChild(a); shelf.appendChild(li);
      });
    });
  }
})();
