/* Lüliang Technology Market: small progressive enhancements. Every page works without them. */
(function () {
  "use strict";

  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  /* Registration: the organisation part is for enterprises, institutes, and brokers who
     work for an intermediary; the "with employer" box is only for brokers. */
  function setUpRegistration(form) {
    var role = form.querySelector("[name=role]");
    var withEmployer = form.querySelector("[name=with_employer]");
    var organization = form.querySelector("[data-organization]");
    var brokerOnly = form.querySelectorAll("[data-broker-only]");
    if (!role || !withEmployer || !organization) {
      return;
    }

    function update() {
      var broker = role.value === "broker";
      brokerOnly.forEach(function (element) {
        element.hidden = !broker;
      });
      organization.hidden = broker && !withEmployer.checked;
    }

    role.addEventListener("change", update);
    withEmployer.addEventListener("change", update);
    update();
  }

  /* data-confirm="question" on a form or a submit button asks before submitting. */
  function confirmBeforeSubmit(event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) ||
      form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }

  /* ... and on a link, before following it. */
  function confirmBeforeFollowing(event) {
    var link = event.target.closest("a[data-confirm]");
    if (link && !window.confirm(link.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }

  /* A table larger than its box scrolls: keyboard users reach the scroll with Tab
     (WCAG 2.1.1; axe: scrollable-region-focusable), named by the table's caption. */
  function focusableScrolling(box) {
    var scrolls = box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
    if (!scrolls || box.hasAttribute("tabindex")) {
      return;
    }
    var caption = box.querySelector("caption");
    box.setAttribute("tabindex", "0");
    if (caption && caption.textContent.trim()) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", caption.textContent.trim());
    }
  }

  function start() {
    document.querySelectorAll(".table-responsive").forEach(focusableScrolling);
    document.querySelectorAll("form[data-registration]").forEach(setUpRegistration);
    document.addEventListener("submit", confirmBeforeSubmit);
    document.addEventListener("click", confirmBeforeFollowing);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
