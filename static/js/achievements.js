/* Achievement pages: small enhancements; every page works without them. */
(function () {
  "use strict";

  /* The certificate's Print button (hidden until this script can make it work). */
  function setUpPrint(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  }

  /* On the form, mark the evidence rule of the category chosen. */
  function setUpEvidenceRules(form) {
    var category = form.querySelector("[name=category]");
    var rules = form.querySelectorAll("[data-evidence-rules] [data-category]");
    if (!category || !rules.length) {
      return;
    }
    function update() {
      rules.forEach(function (rule) {
        rule.classList.toggle("current", rule.getAttribute("data-category") === category.value);
      });
    }
    category.addEventListener("change", update);
    update();
  }

  function start() {
    document.querySelectorAll("[data-print]").forEach(setUpPrint);
    document.querySelectorAll("form[data-achievement-form]").forEach(setUpEvidenceRules);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
