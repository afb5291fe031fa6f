// receipt-relay loader, served as /widget.js. A landing page embeds the widget with
//   <script src="https://proxy.example/widget.js" data-campaign="ID" async></script>
// The loader finds the proxy's origin from its own src, loads the content-hashed
// wasm build from there, and mounts one widget next to the script tag (or into the
// element named by data-target). data-lang picks the language (en, es, fr, ru;
// else the browser's); data-user-token carries the shopper's id as the brand
// signed it. Pages can also call ReceiptRelay.mount(el, options).
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = new URL(script.src, document.baseURI).origin;
  // Imports a wasm-bindgen module once and initialises it; later calls share it.
  function once(glue, wasm) {
    var loading;
    return function () {
      if (!loading) {
        loading = import(origin + "/widget/" + glue).then(function (m) {
          return m.default({ module_or_path: origin + "/widget/" + wasm }).then(function () {
            return m;
          });
        });
      }
      return loading;
    };
  }
  var load = once("__GLUE__", "__WASM__");
  // The QR decoder (a second, larger wasm module) is fetched only when a shopper
  // scans in a browser without BarcodeDetector.
  var loadQr = once("__QR_GLUE__", "__QR_WASM__");
  // The widget speaks English built in; it fetches another language's words
  // (a small JSON file each) when a widget that speaks it mounts.
  var words = __WORDS__;
  for (var lang in words) words[lang] = origin + "/widget/" + words[lang];
  function mount(el, options) {
    var opts = Object.assign({}, options, { apiBase: origin, loadQr: loadQr, words: words });
    return load().then(function (m) {
      return m.mount(el, opts);
    }).then(function () {
      return el;
    });
  }
  window.ReceiptRelay = window.ReceiptRelay || { mount: mount };
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
