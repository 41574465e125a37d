// The proposal page while the solver runs: poll the progress endpoint once a second, move the
// bar and the sentence, and load the finished proposal. Without JavaScript the page reloads
// itself (a meta refresh inside <noscript>).
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-progress-percent]");
  var text = box.querySelector("[data-progress-text]");

  function poll() {
    fetch(box.getAttribute("data-progress-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state) {
          bar.value = state.progress;
          bar.textContent = state.progress + "%";
          percent.textContent = state.progress + "%";
          text.textContent = state.message;
          if (state.done) { window.location.assign(state.url); return; }
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
