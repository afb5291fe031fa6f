// The demo page's one script (the page's Content-Security-Policy allows no
// inline script).
// The demo has one campaign per provider (?campaign=demo-photon, ...) and
// takes the language from ?lang=es, so it writes the embed tag itself. A
// real page needs only the tag, e.g.
//   script src="/widget.js" data-campaign="demo-easypromos" data-lang="es" async
(function () {
  var query = new URLSearchParams(location.search);
  var campaign = query.get("campaign") || "demo-easypromos";
  var lang = query.get("lang");
  // The demo bar keeps the other setting when one changes, and marks both.
  function mark(id, key, current, other, otherValue) {
    document.querySelectorAll("#" + id + " a").forEach(function (a) {
      var value = new URL(a.href).searchParams.get(key);
      var next = new URLSearchParams();
      next.set(key, value);
      if (otherValue) next.set(other, otherValue);
      a.href = "?" + next;
      if (value === current) a.setAttribute("aria-current", "page");
    });
  }
  // The page says the reward its campaign pays: APM's promotion (Russian
  // fiscal receipts) pays in roubles.
  if (campaign === "demo-apm") {
    document.title = document.title.replace("10 EUR", "500 RUB");
    document.querySelectorAll("[data-reward]").forEach(function (el) {
      el.textContent = "500\u00a0RUB";
    });
    document.querySelectorAll("[data-reward-short]").forEach(function (el) {
      el.textContent = "500\u00a0\u20bd";
    });
  }
  mark("providers", "campaign", campaign, "lang", lang);
  mark("languages", "lang", lang || "en", "campaign", campaign);
  var tag = document.createElement("script");
  tag.src = "/widget.js";
  tag.async = true;
  tag.dataset.campaign = campaign;
  if (lang) tag.dataset.lang = lang;
  // A brand's page writes the shopper token its backend signed
  // (data-user-token); the demo takes one from ?user_token= for its tests.
  var token = query.get("user_token");
  if (token) tag.dataset.userToken = token;
  tag.dataset.target = "#promo-widget";
  document.currentScript.after(tag);
})();
