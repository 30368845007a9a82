// Live preview on the edit page: posts the text (with the CSRF header) a moment after typing stops
// and shows the sanitised chat bubbles and reading grade the server sends back.
(function () {
  "use strict";
  var form = document.getElementById("edit-form");
  var body = document.getElementById("body");
  if (!form || !body || body.readOnly) { return; }
  var url = form.getAttribute("data-preview-url");
  var token = form.querySelector("input[name=csrf_token]").value;
  var preview = document.getElementById("preview");
  var grade = document.getElementById("grade");
  var gradeLine = document.getElementById("readability");
  var flag = document.getElementById("grade-flag");
  var warnings = document.getElementById("warnings");
  var timer = null;
  var sent = 0;

  function show(data, number) {
    if (number !== sent) { return; }  // an older answer arriving late
    preview.textContent = "";
    if (!data.bubbles.length) {
      var empty = document.createElement("p");
      empty.className = "muted";
      empty.textContent = "Nothing to show yet.";
      preview.appendChild(empty);
    }
    data.bubbles.forEach(function (html) {
      var bubble = document.createElement("div");
      bubble.className = "bubble";
      bubble.innerHTML = html;  // sanitised by the server (markdown-it + nh3 allow-list)
      preview.appendChild(bubble);
    });
    grade.textContent = data.grade.toFixed(1);
    gradeLine.classList.toggle("grade-over", data.over);
    flag.textContent = data.over ? " \u2014 over the target: use shorter sentences and plainer words." : "";
    warnings.textContent = "";
    data.warnings.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      warnings.appendChild(item);
    });
  }

  function update() {
    sent += 1;
    var number = sent;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ body: body.value })
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) { show(data, number); }
    }).catch(function () { /* keep the last preview; the Preview button still works */ });
  }

  body.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 400);
  });
}());
