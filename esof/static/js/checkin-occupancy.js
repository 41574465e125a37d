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

  /* Fullest first, as the server lists them: rooms within their venue, venues by their fullest door. */
  function fullness(door) {
    if (door.capacity > 0) { return door.present / door.capacity; }
    return door.present > 0 ? Infinity : 0;
  }

  function reorder(items) {
    var share = {};
    items.forEach(function (door) { share[door.door] = fullness(door); });
    var byShare = function (a, b) {
      return (share[b.getAttribute("data-door")] || 0) - (share[a.getAttribute("data-door")] || 0);
    };
    var sections = Array.prototype.slice.call(document.querySelectorAll("section.occupancy-venue"));
    sections.forEach(function (section) {
      var body = section.querySelector("tbody");
      Array.prototype.slice.call(body.querySelectorAll("tr.room-row")).sort(byShare)
        .forEach(function (row) { body.appendChild(row); });
      var rows = section.querySelectorAll("tr[data-door]");
      section.setAttribute("data-share", String(Math.max.apply(null, Array.prototype.map.call(rows, function (row) {
        return share[row.getAttribute("data-door")] || 0;
      }))));
    });
    if (!sections.length) { return; }
    var parent = document.getElementById("occupancy-venues");
    sections.sort(function (a, b) { return Number(b.getAttribute("data-share")) - Number(a.getAttribute("data-share")); })
      .forEach(function (section) { parent.appendChild(section); });
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
        reorder(data.items);
        status.textContent = label("updated") + " " + new Date().toLocaleTimeString();
      }, function () {
        status.textContent = label("failed");
      })
      .then(function () { window.setTimeout(refresh, interval); });
  }

  window.setTimeout(refresh, interval);
})();
