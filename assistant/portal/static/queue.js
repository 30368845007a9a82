/* Review queue: refresh the counts and table every ~15 s without reloading the page.
 *
 * The server renders (and escapes) the HTML; this file only swaps it in. It never replaces the table
 * while a nurse is writing a note or has the keyboard inside it, it pauses while the tab is hidden,
 * and it announces changes politely (counts only) through the page's aria-live region.
 */
(function () {
  "use strict";

  var live = document.getElementById("queue-live");
  if (!live || !window.fetch) { return; }
  var announce = document.getElementById("queue-announce");
  var url = live.getAttribute("data-refresh-url");
  var seconds = parseInt(live.getAttribute("data-interval"), 10);
  var interval = Math.max(1, isNaN(seconds) ? 15 : seconds) * 1000;
  var signature = live.getAttribute("data-signature");
  var shown = groupIds(live);
  var timer = null;
  var inFlight = false;
  var stopped = false;

  function groupIds(root) {
    return Array.prototype.map.call(root.querySelectorAll("[data-group-id]"), function (row) {
      return row.getAttribute("data-group-id");
    });
  }

  function say(text) {
    if (!announce) { return; }
    announce.textContent = "";
    window.setTimeout(function () { announce.textContent = text; }, 50);
  }

  function busy() {
    var active = document.activeElement;
    if (active && active !== document.body && live.contains(active)) { return true; }
    return Array.prototype.some.call(live.querySelectorAll("textarea"), function (box) {
      return box.value.trim() !== "";
    }) || live.querySelector("details[open]") !== null;
  }

  function localTimes(root) {
    Array.prototype.forEach.call(root.querySelectorAll("time[datetime]"), function (node) {
      var moment = new Date(node.getAttribute("datetime"));
      if (!isNaN(moment.getTime())) {
        node.title = node.textContent;
        node.textContent = moment.toLocaleString([], {dateStyle: "medium", timeStyle: "short"});
      }
    });
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function apply(data) {
    var before = shown;
    live.innerHTML = data.html;
    live.setAttribute("data-signature", data.signature);
    shown = groupIds(live);
    localTimes(live);
    if (data.signature === signature) { return; }
    signature = data.signature;
    var added = shown.filter(function (id) { return before.indexOf(id) < 0; }).length;
    var gone = before.filter(function (id) { return shown.indexOf(id) < 0; }).length;
    var parts = [];
    if (added) { parts.push(plural(added, "new item", "new items")); }
    if (gone) { parts.push(plural(gone, "item", "items") + " left this view"); }
    say("Queue updated" + (parts.length ? ": " + parts.join(", ") : "") + ". " + (data.summary || ""));
  }

  function stop(message) {
    stopped = true;
    window.clearTimeout(timer);
    say(message);
    var note = document.createElement("p");
    note.className = "flash flash-error";
    note.setAttribute("role", "alert");
    note.textContent = message;
    live.parentNode.insertBefore(note, live);
  }

  function schedule() {
    window.clearTimeout(timer);
    if (!stopped) { timer = window.setTimeout(poll, interval); }
  }

  function poll() {
    if (stopped || inFlight) { return; }
    if (document.hidden || busy()) { schedule(); return; }
    inFlight = true;
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") < 0) {
          throw new Error("session");
        }
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (!busy()) { apply(data); }
      })
      .catch(function (error) {
        if (error && error.message === "session") {
          stop("Automatic refresh stopped: your session has ended. Reload the page and log in again.");
        }
        /* a network hiccup: try again at the next interval */
      })
      .then(function () { inFlight = false; schedule(); });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !stopped) { poll(); }
  });
  localTimes(live);
  schedule();
}());
