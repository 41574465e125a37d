/* Camera scanning for the check-in page (progressive enhancement: the ticket-code form and
   the name search work without it). Frames from the rear camera go through jsQR (shipped in
   static/vendor); each new code goes through checkin-offline.js (the JSON endpoint with the
   CSRF token in the X-CSRFToken header when online, the door list when not), and the answer
   (name, count, warnings) is read out in a live region. */
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  if (!box) { return; }
  var video = document.getElementById("scanner-video");
  var toggle = document.getElementById("scanner-toggle");
  var output = document.getElementById("scan-result");
  var presentCell = document.getElementById("door-present");
  var label = function (name) { return box.getAttribute("data-label-" + name) || ""; };
  var stream = null;
  var busy = false;
  var lastCode = "";
  var lastAt = 0;
  var REPEAT_PAUSE_MS = 4000;
  var MAX_WIDTH = 640;

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function show(result) {
    output.textContent = "";
    output.className = "scan-result";
    if (!result.ok) {
      output.classList.add("refused");
      output.appendChild(element("p", result.reason || label("failed"), "result-title"));
      return;
    }
    if (result.warnings.length) { output.classList.add("has-warnings"); }
    var verb = result.direction === "in" ? label("in") : label("out");
    output.appendChild(element("p", result.name + " — " + verb + " (" + result.category + ")", "result-title"));
    output.appendChild(element("p", label("present") + " " + result.present + " " + label("of") + " " + result.capacity));
    if (result.warnings.length) {
      var list = element("ul");
      result.warnings.forEach(function (warning) { list.appendChild(element("li", warning.message)); });
      output.appendChild(list);
    }
    if (presentCell) { presentCell.textContent = String(result.present); }
    if (navigator.vibrate) { navigator.vibrate(result.warnings.length ? [80, 60, 80] : 60); }
  }

  // The typed-code form (checkin-offline.js) shows the server's answers the same way.
  window.EsofScanner = { show: show };
  if (!window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  box.hidden = false;
  video.hidden = true;

  function send(token) {
    busy = true;
    if (window.EsofOffline) {
      // Online to the server, offline (or server unreachable) against the door list.
      window.EsofOffline.scan(token).catch(function () {}).then(function () { busy = false; });
      return;
    }
    fetch(box.getAttribute("data-scan-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": box.getAttribute("data-csrf")
      },
      body: JSON.stringify({
        door: box.getAttribute("data-door"),
        direction: box.getAttribute("data-direction"),
        token: token
      })
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, reason: label("failed") }; });
    }).then(show, function () {
      show({ ok: false, reason: label("failed") });
    }).then(function () { busy = false; });
  }

  function tick() {
    if (!stream) { return; }
    if (!busy && video.readyState >= video.HAVE_ENOUGH_DATA) {
      var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      var now = Date.now();
      if (code && code.data && (code.data !== lastCode || now - lastAt > REPEAT_PAUSE_MS)) {
        lastCode = code.data;
        lastAt = now;
        send(code.data);
      }
    }
    window.requestAnimationFrame(tick);
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
    toggle.textContent = label("start");
  }

  function start() {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        toggle.textContent = label("stop");
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(tick); })
      .catch(function () {
        stop();
        show({ ok: false, reason: label("error") });
      });
  }

  toggle.addEventListener("click", function () { if (stream) { stop(); } else { start(); } });
  document.addEventListener("visibilitychange", function () { if (document.hidden) { stop(); } });
})();
