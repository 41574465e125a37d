/* Camera scanning for the check-in page (progressive enhancement: the ticket-code form and
   the name search work without it). Frames from the rear camera go through jsQR (shipped in
   static/vendor); each new code goes through checkin-offline.js (the JSON endpoint with the
   CSRF token in the X-CSRFToken header when online, the door list when not), and the answer
   panel (STOP / CHECK / GO in colour and words, name, notes, count) is an alert under the code
   field. */
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

  /* The answer panel, as esof/templates/checkin/_answer.html draws it: tone (stop / check /
     go) and kind as classes, the headline, who, what to do, the notes and the count. Kept in
     view: on a phone it sits directly under the code field. */
  function render(panel) {
    output.textContent = "";
    output.className = "scan-result tone-" + panel.tone + " answer-" + panel.kind;
    output.setAttribute("data-kind", panel.kind);
    output.setAttribute("data-tone", panel.tone);
    output.appendChild(element("p", panel.headline, "answer-headline result-title"));
    if (panel.who) { output.appendChild(element("p", panel.who, "answer-who")); }
    if (panel.advice) { output.appendChild(element("p", panel.advice, "answer-advice")); }
    if (panel.notes && panel.notes.length) {
      var list = element("ul", "", "answer-notes");
      panel.notes.forEach(function (note) { list.appendChild(element("li", note)); });
      output.appendChild(list);
    }
    if (panel.count) { output.appendChild(element("p", panel.count, "answer-count")); }
    if (output.scrollIntoView) { output.scrollIntoView({ block: "nearest" }); }
    if (navigator.vibrate) { navigator.vibrate(panel.tone === "stop" ? [200, 100, 200] : panel.tone === "check" ? [80, 60, 80] : 60); }
  }

  function show(result) {
    var panel = result.panel || { kind: "error", tone: "stop", headline: result.reason || label("failed") };
    render(panel);
    if (result.ok && presentCell) { presentCell.textContent = String(result.present); }
  }

  // The typed-code form (checkin-offline.js) shows the server's answers the same way.
  window.EsofScanner = { show: show, render: render };
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
