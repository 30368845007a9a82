/* The patient's chat widget: talks to Rasa's socket.io channel (session_request {session_id},
 * user_uttered / bot_uttered), keeps the session id and the transcript in localStorage so a reload
 * continues the same conversation, queues what is typed while disconnected, renders the bot's Markdown
 * through marked + DOMPurify (no raw HTML, links open in a new tab without opener or referrer), shows
 * quick-reply buttons, images only from data: or our own origin, and marks emergency replies.
 * Wording comes from the page (data-text-* attributes); nothing here is patient-facing text. */
(function () {
  "use strict";

  var root = document.getElementById("chat");
  if (!root) { return; }
  var cfg = root.dataset;
  var KEYS = { session: "rr-chat-session", transcript: "rr-chat-transcript", queue: "rr-chat-queue",
               patient: "rr-chat-patient" };
  var MAX_KEPT = 200;
  var EMERGENCY = parseJson(cfg.emergency, []).map(normalise);
  var CODE = /^([A-Za-z0-9]{4})[- ]?([A-Za-z0-9]{4})$/;
  var IMAGE_DATA = /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i;

  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var statusLine = document.getElementById("chat-status");
  var typing = document.getElementById("chat-typing");
  var restart = document.getElementById("chat-restart");
  var patientLine = document.getElementById("chat-patient");

  var sessionId = load(KEYS.session, null) || newSessionId();
  var transcript = load(KEYS.transcript, []);
  var queue = load(KEYS.queue, []);
  var confirmed = false;
  var typingTimer = null;
  var pendingCode = takeCodeFromAddress();

  setupMarkdown();
  showPatient(load(KEYS.patient, ""));
  transcript.forEach(function (entry, index) { render(entry, index === transcript.length - 1); });
  scrollToEnd();

  // WebSocket first (needs no CORS), long-polling if a proxy blocks it (Rasa runs with --cors for us).
  var socket = io(cfg.rasaUrl, { path: "/socket.io/", transports: ["websocket", "polling"], tryAllTransports: true,
                                  reconnection: true, reconnectionDelay: 1000, reconnectionDelayMax: 5000 });
  setStatus(cfg.textConnecting, "busy");

  socket.on("connect", function () {
    socket.emit("session_request", { session_id: sessionId });
  });
  socket.on("session_confirm", function () {
    confirmed = true;
    setStatus("", "ok");
    if (pendingCode) {
      emit("/give_code" + JSON.stringify({ enrolment_code: pendingCode }));
      pendingCode = null;
    }
    flushQueue();
  });
  socket.on("disconnect", function () {
    confirmed = false;
    setStatus(cfg.textReconnecting, "down");
    hideTyping();
  });
  socket.on("connect_error", function () {
    confirmed = false;
    setStatus(cfg.textDown, "down");
  });
  socket.on("bot_uttered", function (message) {
    hideTyping();
    receive(message || {});
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { input.focus(); return; }
    input.value = "";
    sendUser(text, text);
  });

  restart.addEventListener("click", function () {
    sessionId = newSessionId();
    transcript = []; queue = [];
    save(KEYS.transcript, transcript); save(KEYS.queue, queue); save(KEYS.patient, "");
    showPatient("");
    log.textContent = "";
    hideTyping();
    setStatus(cfg.textRestarted, "ok");
    confirmed = false;
    socket.disconnect();
    socket.connect();
    input.focus();
  });

  // ---- sending ---------------------------------------------------------------------------------

  function sendUser(shown, payload) {
    disableOldButtons();
    var entry = { from: "user", text: shown, id: newId() };
    if (!confirmed) { entry.pending = true; }
    remember(entry);
    render(entry, true);
    scrollToEnd();
    if (confirmed) {
      emit(payload);
    } else {
      queue.push({ id: entry.id, payload: payload });
      save(KEYS.queue, queue);
    }
  }

  function emit(payload) {
    socket.emit("user_uttered", { message: payload, session_id: sessionId });
    showTyping();
  }

  function flushQueue() {
    var waiting = queue;
    queue = [];
    save(KEYS.queue, queue);
    waiting.forEach(function (item) {
      emit(item.payload);
      transcript.forEach(function (entry) { if (entry.id === item.id) { delete entry.pending; } });
      var shown = log.querySelector('[data-id="' + item.id + '"]');
      if (shown) {
        shown.classList.remove("pending");
        var note = shown.querySelector(".pending-note");
        if (note) { note.remove(); }
      }
    });
    save(KEYS.transcript, transcript);
  }

  // ---- receiving -------------------------------------------------------------------------------

  function receive(message) {
    var entry = null;
    if (message.patient && typeof message.patient.first_name === "string") {
      // Sent by the bot when a code links this chat to a clinic record: only the first name.
      save(KEYS.patient, message.patient.first_name.slice(0, 60));
      showPatient(message.patient.first_name.slice(0, 60));
      return;
    }
    var attachment = message.attachment;
    if (attachment && attachment.type === "image" && attachment.payload) {
      entry = { from: "bot", image: String(attachment.payload.src || "") };
    } else if (typeof message.image === "string") {
      entry = { from: "bot", image: message.image };
    } else if (typeof message.text === "string") {
      entry = { from: "bot", text: message.text };
      var buttons = message.quick_replies || message.buttons || [];
      if (buttons.length) {
        entry.buttons = buttons.map(function (b) {
          return { title: String(b.title || ""), payload: String(b.payload || b.title || "") };
        });
      }
      if (EMERGENCY.indexOf(normalise(message.text)) !== -1) { entry.level = "emergency"; }
    }
    if (!entry) { return; }  // custom payloads the widget does not know are ignored
    if (entry.image && !imageAllowed(entry.image)) { return; }
    disableOldButtons();
    remember(entry);
    render(entry, true);
    scrollToEnd();
  }

  function showPatient(firstName) {
    if (!patientLine) { return; }
    patientLine.textContent = firstName ? cfg.textPatient.replace("{name}", firstName) : "";
    patientLine.hidden = !firstName;
  }

  function imageAllowed(src) {
    if (IMAGE_DATA.test(src)) { return true; }
    try { return new URL(src, window.location.href).origin === window.location.origin; } catch (e) { return false; }
  }

  // ---- rendering -------------------------------------------------------------------------------

  function render(entry, latest) {
    var item = document.createElement("div");
    item.className = "msg msg-" + entry.from + (entry.level === "emergency" ? " msg-emergency" : "") +
      (entry.pending ? " pending" : "");
    if (entry.id) { item.setAttribute("data-id", entry.id); }
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = (entry.from === "user" ? cfg.textYou : cfg.textBot) + " ";
    item.appendChild(who);
    if (entry.level === "emergency") {
      var label = document.createElement("strong");
      label.className = "emergency-label";
      label.textContent = cfg.textEmergency;
      item.appendChild(label);
    }
    var body = document.createElement("div");
    body.className = "bubble";
    if (entry.from === "user") {
      body.textContent = entry.text;
    } else if (entry.image) {
      var img = document.createElement("img");
      img.src = entry.image;
      img.alt = imageAlt(entry.image);
      img.className = "chart";
      body.appendChild(img);
    } else {
      body.appendChild(markdown(entry.text));
    }
    item.appendChild(body);
    if (entry.pending) {
      var note = document.createElement("span");
      note.className = "pending-note";
      note.textContent = cfg.textNotSent;
      item.appendChild(note);
    }
    if (entry.buttons && entry.buttons.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      entry.buttons.forEach(function (choice) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = choice.title;
        button.disabled = !latest;
        button.addEventListener("click", function () {
          sendUser(choice.title, choice.payload);
          input.focus();
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
  }

  function disableOldButtons() {
    Array.prototype.forEach.call(log.querySelectorAll(".choices button"), function (b) { b.disabled = true; });
  }

  function setupMarkdown() {
    // Raw HTML in a text is shown as text, never parsed; DOMPurify then removes anything else unsafe.
    window.marked.use({ gfm: true, breaks: false, renderer: { html: function (token) {
      return escapeHtml(typeof token === "string" ? token : token.text || token.raw || "");
    } } });
    window.DOMPurify.addHook("afterSanitizeAttributes", function (node) {
      if (node.tagName === "A") {
        var href = node.getAttribute("href") || "";
        if (!/^(https?:|mailto:|tel:)/i.test(href)) { node.removeAttribute("href"); return; }
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    });
  }

  function markdown(text) {
    var html = window.marked.parse(String(text || ""), { async: false });
    var clean = window.DOMPurify.sanitize(html, {
      ALLOWED_TAGS: ["p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "code", "pre", "blockquote",
                     "h3", "h4", "h5", "h6", "hr"],
      ALLOWED_ATTR: ["href", "target", "rel"],
      RETURN_DOM_FRAGMENT: true
    });
    return clean;
  }

  function imageAlt(src) {
    // An SVG chart carries its own title and description (pain_chart_svg): read them for the alt text.
    if (/^data:image\/svg\+xml;base64,/i.test(src)) {
      try {
        var bytes = window.atob(src.split(",")[1]);
        var xml = new TextDecoder().decode(Uint8Array.from(bytes, function (c) { return c.charCodeAt(0); }));
        var doc = new DOMParser().parseFromString(xml, "image/svg+xml");
        var title = doc.querySelector("svg > title"), desc = doc.querySelector("svg > desc");
        var words = [title && title.textContent, desc && desc.textContent].filter(Boolean).join(". ");
        if (words) { return words; }
      } catch (e) { /* fall through to the page's wording */ }
    }
    return cfg.textImage;
  }

  // ---- status and typing -----------------------------------------------------------------------

  function setStatus(text, state) {
    statusLine.textContent = text || "";
    statusLine.setAttribute("data-state", state);
    statusLine.hidden = !text;
  }

  function showTyping() {
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 30000);
  }

  function hideTyping() {
    typing.hidden = true;
    clearTimeout(typingTimer);
  }

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  // ---- the personal link ------------------------------------------------------------------------

  function takeCodeFromAddress() {
    var params = new URLSearchParams(window.location.search);
    var raw = params.get("code");
    if (raw === null) { return null; }
    params.delete("code");
    var rest = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
    var match = CODE.exec(raw.trim());
    return match ? (match[1] + "-" + match[2]).toUpperCase() : null;
  }

  // ---- storage ---------------------------------------------------------------------------------

  function remember(entry) {
    transcript.push(entry);
    if (transcript.length > MAX_KEPT) { transcript = transcript.slice(-MAX_KEPT); }
    save(KEYS.transcript, transcript);
  }

  function newSessionId() {
    var id = newId();
    save(KEYS.session, id);
    return id;
  }

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function load(key, fallback) {
    try {
      var value = window.localStorage.getItem(key);
      return value === null ? fallback : JSON.parse(value);
    } catch (e) { return fallback; }
  }

  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full or off */ }
  }

  function parseJson(text, fallback) {
    try { return JSON.parse(text); } catch (e) { return fallback; }
  }

  function normalise(text) { return String(text || "").replace(/\s+/g, " ").trim(); }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
}());
