/* Technology contract pages: small enhancements; every page works without them (the server
   checks every rule again). */
(function () {
  "use strict";

  /* The certificate's Print button (hidden until this script can make it work). */
  function setUpPrint(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  }

  /* Offer only the subtypes of the chosen type; data-subtypes maps type -> [subtype]. */
  function setUpSubtypes(form) {
    var type = form.querySelector("select[data-subtypes]");
    var subtype = form.querySelector("select[data-subtype-select]");
    if (!type || !subtype) {
      return;
    }
    var mapping;
    try {
      mapping = JSON.parse(type.getAttribute("data-subtypes"));
    } catch (error) {
      return;
    }
    function update() {
      var allowed = mapping[type.value];
      Array.prototype.forEach.call(subtype.options, function (option) {
        var shown = !option.value || !allowed || allowed.indexOf(option.value) !== -1;
        option.hidden = !shown;
        option.disabled = !shown;
      });
      if (allowed && subtype.value && allowed.indexOf(subtype.value) === -1) {
        subtype.value = allowed.length === 1 ? allowed[0] : "";
      } else if (allowed && allowed.length === 1 && !subtype.value) {
        subtype.value = allowed[0];
      }
    }
    type.addEventListener("change", update);
    update();
  }

  /* Amounts in yuan as whole cents, or null when the text is not an amount. */
  function cents(text) {
    var clean = (text || "").replace(/[,\s]/g, "");
    var match = /^(\d{1,14})(?:\.(\d{1,2}))?$/.exec(clean);
    if (!match) {
      return null;
    }
    return Number(match[1]) * 100 + Number(((match[2] || "") + "00").slice(0, 2));
  }

  function yuan(value) {
    var whole = Math.floor(value / 100);
    var rest = String(value % 100);
    return whole + "." + (rest.length < 2 ? "0" + rest : rest);
  }

  /* Technology transaction amount = contract amount - non-technical items, as one types. */
  function setUpAmounts(form) {
    var total = form.querySelector("[data-total-amount]");
    var technology = form.querySelector("[data-technology-amount]");
    var items = form.querySelectorAll("[data-item-amount]");
    var note = form.querySelector("[data-amount-note]");
    if (!total || !technology) {
      return;
    }
    if (note) {
      note.hidden = false;
    }
    function update() {
      var sum = cents(total.value);
      if (sum === null) {
        return;
      }
      for (var i = 0; i < items.length; i += 1) {
        if (items[i].value.trim() === "") {
          continue;
        }
        var item = cents(items[i].value);
        if (item === null) {
          return;
        }
        sum -= item;
      }
      technology.value = sum >= 0 ? yuan(sum) : "-" + yuan(-sum);
    }
    total.addEventListener("input", update);
    items.forEach(function (item) {
      item.addEventListener("input", update);
    });
  }

  /* On the review form, the ground matters only for "Do not register". */
  function setUpReview(form) {
    var decision = form.querySelector("[data-decision]");
    var ground = form.querySelector("[data-ground]");
    if (!decision || !ground) {
      return;
    }
    var hasError = ground.querySelector(".is-invalid") !== null;
    function update() {
      ground.hidden = decision.value !== "reject" && !hasError;
    }
    decision.addEventListener("change", function () {
      hasError = false;
      update();
    });
    update();
  }

  function start() {
    document.querySelectorAll("[data-print]").forEach(setUpPrint);
    document.querySelectorAll("form[data-contract-form]").forEach(function (form) {
      setUpSubtypes(form);
      setUpAmounts(form);
    });
    document.querySelectorAll("form[data-review-form]").forEach(setUpReview);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
