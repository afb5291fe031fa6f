// receipt-relay loader, served as /widget.js. A landing page embeds the widget with
//   <script src="https://proxy.example/widget.js" data-campaign="ID" async></script>
// The loader finds the proxy's origin from its own src, loads the content-hashed
// wasm build from there, and mounts one widget next to the script tag (or into the
// element named by data-target). data-lang picks the language (en, es, fr, ru,
// de, it, pt, pl; else the browser's); data-user-token carries the shopper's id
// as the brand signed it. Pages can also call ReceiptRelay.mount(el, options)
// and ReceiptRelay.unmount(el); the host element hears step, submitted, result
// and error events. mount() rejects only where the answer is definite (a
// ReceiptRelayError whose kind is not_available or unknown_campaign); what a
// blip broke is tried again, with backoff and when the browser is back online.
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = new URL(script.src, document.baseURI).origin;
  // Imports a wasm-bindgen module once and initialises it; later calls share it.
  // The module's code is fetched at once, beside its glue rather than after
  // it (one round trip less on a phone). A failed import is forgotten, so the
  // next call tries again.
  function once(glue, wasm) {
    var loading;
    return function () {
      if (!loading) {
        var code = fetch(origin + "/widget/" + wasm);
        loading = import(origin + "/widget/" + glue).then(function (m) {
          return m.default({ module_or_path: code }).then(function () {
            return m;
          });
        });
        loading.catch(function () {
          loading = null;
        });
      }
      return loading;
    };
  }
  // Resolves after ms, or as soon as the browser says it is online again.
  function pause(ms) {
    return new Promise(function (ok) {
      var timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        removeEventListener("online", done);
        ok();
      }
      addEventListener("online", done);
    });
  }
  // The error mount() rejects with where trying again cannot help: `kind` is
  // not_available (this page's origin is not allowed) or unknown_campaign.
  function ReceiptRelayError(kind, message) {
    var e = new Error("receipt-relay: " + message);
    e.name = "ReceiptRelayError";
    e.kind = kind;
    return e;
  }
  var load = once("__GLUE__", "__WASM__");
  // The wait's seconds are counted by the widget's stylesheet in an integer
  // custom property, which only the page can register (not a shadow root).
  try {
    CSS.registerProperty({ name: "--rr-s", syntax: "<integer>", inherits: false, initialValue: "0" });
  } catch (e) {
    // Registered already (a second loader), or a browser without it: no count.
  }
  // The lens (a second wasm module: QR decoding and receipt vision) is fetched
  // only when a shopper first opens the camera, picks a photo or scans a code.
  var loadLens = once("__LENS_GLUE__", "__LENS_WASM__");
  // The widget carries no words: each language is a small JSON file, and the
  // loader fetches the shopper's while the wasm downloads.
  var words = __WORDS__;
  var fetched = {};
  function primary(tag) {
    return String(tag || "").trim().split(/[-_]/)[0].toLowerCase();
  }
  // The page's language, then the browser's, then English.
  function speak(lang) {
    var tags = [lang].concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < tags.length; i++) {
      if (words.hasOwnProperty(primary(tags[i]))) return String(tags[i]).trim();
    }
    return "en";
  }
  function wordsOf(tag) {
    var code = primary(tag);
    if (!fetched[code]) {
      fetched[code] = fetch(origin + "/widget/" + words[code]).then(function (r) {
        if (!r.ok) throw new Error("receipt-relay: words " + code + ": HTTP " + r.status);
        return r.json();
      });
      fetched[code].catch(function () {
        delete fetched[code];
      });
    }
    return fetched[code];
  }
  // The campaign, asked for while the wasm downloads: {campaign} as the proxy
  // answered, or {error}. A page whose origin the campaign does not allow
  // (CORS) sees what looks like a network failure; the proxy answering a
  // request CORS does not guard tells the two apart.
  function campaignOf(id, lang) {
    var url = origin + "/v1/campaigns/" + encodeURIComponent(id) + "?lang=" + encodeURIComponent(lang);
    function said(message) {
      console.error("receipt-relay: " + message);
    }
    return fetch(url).then(function (r) {
      return r.json().then(function (body) {
        if (r.ok) return { campaign: body };
        var code = body.error && body.error.code;
        if (code === "unknown_campaign") said("no campaign " + id + " at " + origin);
        return { error: code || "server", status: r.status };
      }, function () {
        return { error: "server", status: r.status };
      });
    }, function () {
      return fetch(origin + "/healthz", { mode: "no-cors" }).then(function () {
        said("campaign " + id + " does not allow origin " + location.origin + ": add it to its allowed_origins");
        return { error: "not_available" };
      });
    }).catch(function () {
      return { error: "network" };
    });
  }
  // The shopper's drafts (photos, store, offers) in IndexedDB, so a reload or a
  // killed tab loses nothing: get, put and del by key, each a promise.
  var db;
  function drafted(mode, work) {
    db = db || new Promise(function (ok, fail) {
      var open = indexedDB.open("receipt-relay", 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore("drafts");
      };
      open.onsuccess = function () {
        ok(open.result);
      };
      open.onerror = function () {
        fail(open.error);
      };
    });
    return db.then(function (d) {
      return new Promise(function (ok, fail) {
        var r = work(d.transaction("drafts", mode).objectStore("drafts"));
        r.onsuccess = function () {
          ok(r.result);
        };
        r.onerror = function () {
          fail(r.error);
        };
      });
    });
  }
  // Every host marked `data-offline` while the browser is offline: the
  // widget's stylesheet says so where it matters (waiting for a verdict).
  var hosts = [];
  function marked() {
    hosts = hosts.filter(function (host) {
      return host.isConnected;
    });
    hosts.forEach(function (host) {
      host.toggleAttribute("data-offline", !navigator.onLine);
    });
  }
  addEventListener("online", marked);
  addEventListener("offline", marked);
  var drafts = {
    get: function (k) {
      return drafted("readonly", function (s) {
        return s.get(k);
      });
    },
    put: function (k, v) {
      return drafted("readwrite", function (s) {
        return s.put(v, k);
      });
    },
    del: function (k) {
      return drafted("readwrite", function (s) {
        return s.delete(k);
      });
    }
  };
  function mount(el, options) {
    if (!(el instanceof Element)) {
      return Promise.reject(new TypeError("receipt-relay: mount(el) needs an element"));
    }
    options = options || {};
    if (!options.campaign) {
      return Promise.reject(new TypeError("receipt-relay: mount(el, options) needs options.campaign"));
    }
    // The widget's first step is about this tall on a phone: reserved now, so
    // the page does not jump when the wasm arrives (the widget's own rendering
    // replaces this shadow root's content). A page reserves it from the start
    // with `min-height` on the host (README).
    if (!el.shadowRoot) {
      el.attachShadow({ mode: "open" }).innerHTML = '<div style="min-height:340px"></div>';
    }
    var lang = speak(options.lang);
    // The wasm and the words are needed before anything shows: a blip while
    // they download is waited out (1 s, 2 s, … 30 s, or back online) rather
    // than final. The campaign's own failures are the widget's to show and
    // retry, with a button.
    var campaign = campaignOf(options.campaign, lang);
    function start(wait) {
      // A language that cannot be had leaves the widget in English.
      var text = wordsOf(lang).catch(function () {
        return wordsOf("en").then(function (w) {
          lang = "en";
          return w;
        });
      });
      return Promise.all([load(), text, campaign]).catch(function (e) {
        console.warn("receipt-relay: retrying", e);
        return pause(wait).then(function () {
          return start(Math.min(wait * 2, 30000));
        });
      });
    }
    return start(1000).then(function (all) {
      var loaded = all[2];
      var opts = Object.assign({}, options, {
        apiBase: origin, loadLens: loadLens, lang: lang, words: all[1], loaded: loaded, drafts: drafts,
        // The widget's retry of a campaign that could not be had.
        reload: function () {
          return campaignOf(options.campaign, lang);
        }
      });
      all[0].mount(el, opts);
      if (hosts.indexOf(el) < 0) hosts.push(el);
      marked();
      // The widget says why in the page; the page's script hears it too.
      if (loaded.error === "not_available") {
        throw ReceiptRelayError("not_available", "campaign " + options.campaign + " does not allow origin " + location.origin);
      }
      if (loaded.error === "unknown_campaign") {
        throw ReceiptRelayError("unknown_campaign", "no campaign " + options.campaign + " at " + origin);
      }
      return el;
    });
  }
  // Stops the widget on el and empties it; resolves to whether there was one.
  function unmount(el) {
    return load().then(function (m) {
      return m.unmount(el);
    });
  }
  window.ReceiptRelay = window.ReceiptRelay || { mount: mount, unmount: unmount };
  var d = script.dataset;
  if (d.campaign) {
    var host = d.target ? document.querySelector(d.target) : null;
    if (!host) {
      host = document.createElement("div");
      host.className = "receipt-relay";
      script.parentNode.insertBefore(host, script.nextSibling);
    }
    mount(host, { campaign: d.campaign, user: d.user, userToken: d.userToken, lang: d.lang }).catch(function (e) {
      console.error("receipt-relay: could not start", e);
    });
  }
})();
