/* Drag and drop for the organisers' schedule grid: a progressive enhancement.
 * Every move is also possible with the form on each card; this script only posts that same
 * form (same endpoint, same CSRF token, same server rules) when a card is dropped on a cell. */
(function () {
  "use strict";
  var layout = document.querySelector(".schedule-layout");
  if (!layout || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("schedule-status");
  var dragged = null;

  function addMinutes(hhmm, minutes) {
    var parts = hhmm.split(":");
    var total = parseInt(parts[0], 10) * 60 + parseInt(parts[1], 10) + minutes;
    if (total >= 24 * 60) { total = 24 * 60 - 15; }
    var h = Math.floor(total / 60), m = total % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function say(message) { if (status) { status.textContent = message; } }

  layout.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".schedule-card");
    if (!card) { return; }
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.sessionId);
  });
  layout.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("is-dragging"); }
    dragged = null;
  });
  layout.addEventListener("dragover", function (event) {
    var cell = event.target.closest && event.target.closest(".drop-cell");
    if (cell && dragged) { event.preventDefault(); cell.classList.add("is-drop-target"); }
  });
  layout.addEventListener("dragleave", function (event) {
    var cell = event.target.closest && event.target.closest(".drop-cell");
    if (cell) { cell.classList.remove("is-drop-target"); }
  });
  layout.addEventListener("drop", function (event) {
    var cell = event.target.closest && event.target.closest(".drop-cell");
    if (!cell || !dragged) { return; }
    event.preventDefault();
    cell.classList.remove("is-drop-target");
    // A session delegates have booked: say so before moving it, and let the organiser stop.
    var booked = parseInt(dragged.dataset.booked, 10) || 0;
    if (booked > 0 && layout.dataset.bookedWarning) {
      var title = dragged.querySelector(".card-title");
      var question = layout.dataset.bookedWarning.replace("{n}", booked)
        .replace("{title}", title ? title.textContent.trim() : "");
      if (!window.confirm(question)) { say(""); return; }
    }
    var duration = parseInt(dragged.dataset.duration, 10) || 60;
    var data = new FormData();
    data.append("csrf_token", layout.dataset.csrf);
    data.append("session_id", dragged.dataset.sessionId);
    data.append("room", cell.dataset.roomId);
    data.append("day", layout.dataset.day);
    data.append("starts", cell.dataset.time);
    data.append("ends", addMinutes(cell.dataset.time, duration));
    say("…");
    fetch(layout.dataset.placeUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      say(result.body.message || "");
      if (result.ok) { window.location.reload(); }
    }).catch(function () {
      say(layout.dataset.errorMessage || "The move failed; use the form on the card instead.");
    });
  });
}());
