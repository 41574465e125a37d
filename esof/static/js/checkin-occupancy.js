/* Live occupancy: polls the JSON endpoint and updates the table in place. Without
   JavaScript a <noscript> meta refresh reloads the page instead. */
(function () {
  "use strict";
  var status = document.getElementById("occupancy-status");
  if (!status || !window.fetch) { return; }
  var url = status.getAttribute("data-url");
  var interval = Math.max(3, parseInt(status.getAttribute("data-interval"), 10) || 10) * 1000;
  var label = function (name) { return status.getAttribute("data-label-" + name) || ""; };
  var LEVELS = ["ok", "near", "full"];

  function update(door) {
    var row = document.querySelector('tr[data-door="' + door.door + '"]');
    if (!row) { return; }
    row.querySelector('[data-field="present"]').textContent = String(door.present);
    row.querySelector('[data-field="percent"]').textContent = door.percent + " %";
    var level = row.querySelector('[data-field="level"] .level');
    LEVELS.forEach(function (name) { row.classList.remove("level-" + name); level.classList.remove("level-" + name); });
    row.classList.add("level-" + door.level);
    level.classList.add("level-" + door.level);
    level.textContent = label(door.level);
  }

  function refresh() {
    if (document.hidden) { window.setTimeout(refresh, interval); return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        data.items.forEach(update);
        status.textContent = label("updated") + " " + new Date().toLocaleTimeString();
      }, function () {
        status.textContent = label("failed");
      })
      .then(function () { window.setTimeout(refresh, interval); });
  }

  window.setTimeout(refresh, interval);
})();
