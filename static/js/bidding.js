/* The bidding panel of a listing: polls the public API every 3 seconds for the best bid, the
   minimum next bid, the bid count and the end time, ticks the countdown every second, and
   says so when the bidding is over. The page works without it (the server checks every
   bid); texts come from the panel's data-text-* attributes, in the page's language. */
(function () {
  "use strict";

  var POLL_MS = 3000;

  function setUpPanel(panel) {
    var url = panel.getAttribute("data-status-url");
    var lang = document.documentElement.lang || "zh-CN";
    var money = new Intl.NumberFormat(lang, {
      style: "currency", currency: "CNY", currencyDisplay: "narrowSymbol"
    });
    var when = new Intl.DateTimeFormat(lang, {
      dateStyle: "medium", timeStyle: "medium", timeZone: "Asia/Shanghai"
    });
    var texts = {
      days: panel.getAttribute("data-text-days") || "%(days)s d %(time)s",
      ending: panel.getAttribute("data-text-ending") || "",
      closed: panel.getAttribute("data-text-closed") || "",
      extended: panel.getAttribute("data-text-extended") || "",
      noBid: panel.getAttribute("data-text-no-bid") || "",
      offline: panel.getAttribute("data-text-offline") || ""
    };
    var el = {
      best: panel.querySelector("[data-best-bid]"),
      min: panel.querySelector("[data-min-next-bid]"),
      count: panel.querySelector("[data-bid-count]"),
      endsAt: panel.querySelector("[data-ends-at-text]"),
      countdown: panel.querySelector("[data-countdown]"),
      notice: panel.querySelector("[data-bidding-notice]"),
      noticeText: panel.querySelector("[data-notice-text]"),
      reload: panel.querySelector("[data-reload]"),
      live: panel.querySelector("[data-live-note]"),
      form: panel.querySelector("[data-bid-form]"),
      amountInput: panel.querySelector("[data-bid-form] input[name=amount]"),
      stale: document.querySelector("[data-bids-stale]")
    };
    var endsAtIso = panel.getAttribute("data-ends-at");
    // The deadline on this browser's clock, from the server's seconds left (no clock skew).
    var deadline = Date.now() + Number(panel.getAttribute("data-seconds-left") || 0) * 1000;
    var bidCount = el.count ? Number(el.count.textContent) : 0;
    var finished = false;
    var tickTimer = null;
    var pollTimer = null;

    function formatAmount(value) {
      if (value === null || value === undefined || value === "") {
        return texts.noBid;
      }
      var number = Number(value);
      return isFinite(number) ? money.format(number) : String(value);
    }

    function setAmount(element, value) {
      if (element) {
        element.setAttribute("data-amount", value === null ? "" : value);
        element.textContent = formatAmount(value);
      }
    }

    function pad(n) {
      return (n < 10 ? "0" : "") + n;
    }

    function countdownText(seconds) {
      var days = Math.floor(seconds / 86400);
      var time = pad(Math.floor(seconds / 3600) % 24) + ":" + pad(Math.floor(seconds / 60) % 60) +
        ":" + pad(seconds % 60);
      if (days > 0) {
        return texts.days.replace("%(days)s", String(days)).replace("%(time)s", time);
      }
      return time;
    }

    function tick() {
      if (!el.countdown || finished) {
        return;
      }
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      el.countdown.textContent = left > 0 ? countdownText(left) : texts.ending;
    }

    function notify(text, withReload) {
      if (!el.notice) {
        return;
      }
      el.noticeText.textContent = text;
      if (el.reload) {
        el.reload.hidden = !withReload;
      }
      el.notice.hidden = false;
    }

    function finish() {
      finished = true;
      window.clearInterval(tickTimer);
      window.clearTimeout(pollTimer);
      if (el.countdown) {
        el.countdown.textContent = "—";
      }
      if (el.form) {
        el.form.querySelectorAll("button, input[name=amount]").forEach(function (control) {
          control.disabled = true;
        });
      }
      if (el.live) {
        el.live.hidden = true;
      }
      notify(texts.closed, true);
    }

    function update(data) {
      if (data.status !== "bidding") {
        finish();
        return;
      }
      setAmount(el.best, data.best_bid);
      setAmount(el.min, data.min_next_bid);
      if (el.amountInput && data.min_next_bid) {
        el.amountInput.placeholder = data.min_next_bid;
      }
      if (el.count) {
        el.count.textContent = String(data.bid_count);
      }
      if (data.bid_count !== bidCount && el.stale) {
        el.stale.hidden = false;
      }
      bidCount = data.bid_count;
      if (data.bidding_ends_at && data.bidding_ends_at !== endsAtIso) {
        var moved = new Date(data.bidding_ends_at).getTime() !== new Date(endsAtIso).getTime();
        endsAtIso = data.bidding_ends_at;
        if (moved && el.endsAt) {
          var text = when.format(new Date(endsAtIso));
          el.endsAt.setAttribute("datetime", endsAtIso);
          el.endsAt.textContent = text;
          notify(texts.extended.replace("%(end)s", text), false);
        }
      }
      if (typeof data.bidding_seconds_left === "number") {
        deadline = Date.now() + data.bidding_seconds_left * 1000;
      }
      tick();
    }

    function poll() {
      if (finished) {
        return;
      }
      if (document.hidden) {
        pollTimer = window.setTimeout(poll, POLL_MS);
        return;
      }
      fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          if (el.notice && el.noticeText.textContent === texts.offline) {
            el.notice.hidden = true;
          }
          update(data);
        })
        .catch(function () {
          notify(texts.offline, false);
        })
        .then(function () {
          if (!finished) {
            pollTimer = window.setTimeout(poll, POLL_MS);
          }
        });
    }

    // The server wrote the amounts with its own format; use the same format as the updates.
    [el.best, el.min].forEach(function (element) {
      if (element && element.getAttribute("data-amount") !== "") {
        element.textContent = formatAmount(element.getAttribute("data-amount"));
      }
    });
    if (el.live) {
      el.live.hidden = false;
    }
    tick();
    tickTimer = window.setInterval(tick, 1000);
    pollTimer = window.setTimeout(poll, POLL_MS);
  }

  function start() {
    document.querySelectorAll("[data-bidding-panel]").forEach(setUpPanel);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
