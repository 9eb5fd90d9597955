/* The listing form: licence term and territory only for the licence modes, and no asking
   price when the price is negotiable. Without this script every field shows, and the server
   ignores what does not apply. */
(function () {
  "use strict";

  function setUpForm(form) {
    var mode = form.querySelector("select[data-licence-modes]");
    var licence = form.querySelector("[data-licence-fields]");
    var negotiable = form.querySelector("input[data-negotiable]");
    var asking = form.querySelector("[data-asking-price]");

    function update() {
      if (mode && licence) {
        var modes = mode.getAttribute("data-licence-modes").split(" ");
        // Fields with an error stay in view, whatever the mode.
        licence.hidden = modes.indexOf(mode.value) === -1 &&
          !licence.querySelector(".is-invalid");
      }
      if (negotiable && asking) {
        asking.hidden = negotiable.checked && !asking.querySelector(".is-invalid");
      }
    }

    if (mode) {
      mode.addEventListener("change", update);
    }
    if (negotiable) {
      negotiable.addEventListener("change", update);
    }
    update();
  }

  function start() {
    document.querySelectorAll("form[data-listing-form]").forEach(setUpForm);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
