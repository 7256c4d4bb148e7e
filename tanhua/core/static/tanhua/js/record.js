// The recorder's live page (talks:record). Writing live must never lose text:
// - autosave a few seconds after typing stops, at least every few seconds while typing, and
//   when a field loses focus; every save names the version it was made from;
// - every keystroke is also kept in localStorage, so a dropped connection or a reload loses
//   nothing: on load, a draft that differs from the saved record is offered back;
// - leaving the page with unsaved text asks first (beforeunload);
// - a save refused because someone else saved meanwhile (409) shows their saved text beside
//   yours, section by section, to choose or merge; the merge is saved on their version.
// No inline script anywhere (CSP script-src 'self'): the page carries its data as JSON.
(function () {
  "use strict";
  var form = document.getElementById("record-form");
  if (!form) { return; }
  var IDLE_MS = 2500, MAX_WAIT_MS = 8000, RETRY_MS = 5000;
  var SECTIONS = ["overall_evaluation", "explanation", "suggestions", "requirements"];
  var TIMES = ["started_at", "ended_at"];
  var msg = document.getElementById("record-messages").dataset;
  var labels = JSON.parse(msg.labels);
  var statusEl = document.getElementById("save-status");
  var versionEl = document.getElementById("record-version");
  var problemsEl = document.getElementById("problems");
  var conflictEl = document.getElementById("conflict");
  var url = form.dataset.saveUrl;
  var key = "tanhua:record:" + form.dataset.talk;
  var server = JSON.parse(document.getElementById("record-data").textContent);
  var version = server.version;
  var dirty = false, saving = false, blocked = false, editsSinceSend = 0;
  var idleTimer = null, maxTimer = null, retryTimer = null;

  function fmt(text, value) { return text.replace("%s", value); }
  function now() { return new Date().toTimeString().slice(0, 8); }
  function setStatus(text, kind) { statusEl.textContent = text; statusEl.className = kind || ""; }
  function setVersion(v) { version = v; versionEl.textContent = fmt(msg.version, v); }

  // --- the form's state ---------------------------------------------------------------------
  function state() {
    var s = { sections: {}, problems: [] };
    SECTIONS.forEach(function (name) { s.sections[name] = form.elements[name].value; });
    TIMES.forEach(function (name) { s[name] = form.elements[name].value; });
    problemsEl.querySelectorAll(".problem").forEach(function (el) {
      s.problems.push({
        id: el.dataset.id ? parseInt(el.dataset.id, 10) : null,
        outline_problem: el.dataset.outline ? parseInt(el.dataset.outline, 10) : null,
        focus_area: el.querySelector(".problem-focus").value,
        text: el.querySelector(".problem-text").value
      });
    });
    return s;
  }
  function fromPayload(p) {
    var s = { sections: {}, problems: p.problems || [] };
    SECTIONS.forEach(function (name) { s.sections[name] = p[name] || ""; });
    TIMES.forEach(function (name) { s[name] = p[name] || ""; });
    return s;
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function renumber() {
    problemsEl.querySelectorAll(".problem").forEach(function (el, i) {
      el.querySelector(".problem-no").textContent = msg.problem + (i + 1);
    });
  }
  function addProblem(p) {
    var node = document.getElementById("problem-template").content.firstElementChild.cloneNode(true);
    node.dataset.id = p.id || "";
    node.dataset.outline = p.outline_problem || "";
    node.querySelector(".problem-focus").value = p.focus_area || "A1";
    node.querySelector(".problem-text").value = p.text || "";
    problemsEl.appendChild(node);
    renumber();
    return node;
  }
  function fill(s) {
    SECTIONS.forEach(function (name) { form.elements[name].value = s.sections[name] || ""; });
    TIMES.forEach(function (name) { form.elements[name].value = s[name] || ""; });
    problemsEl.innerHTML = "";
    (s.problems || []).forEach(addProblem);
  }

  // --- the local draft ------------------------------------------------------------------------
  function keepDraft() {
    try {
      localStorage.setItem(key, JSON.stringify({ base: version, at: now(), state: state() }));
    } catch (e) { /* storage full or disabled: the server copy is all there is */ }
  }
  function dropDraft() { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }
  function readDraft() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  // --- saving ---------------------------------------------------------------------------------
  function changed() {
    dirty = true;
    editsSinceSend += 1;
    keepDraft();
    if (blocked) { return; }
    setStatus(msg.dirty, "pending");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(save, IDLE_MS);
    if (!maxTimer) { maxTimer = setTimeout(save, MAX_WAIT_MS); }
  }
  function csrf() { return document.body.getAttribute("data-csrf") || ""; }

  function save() {
    clearTimeout(idleTimer); clearTimeout(maxTimer); clearTimeout(retryTimer);
    idleTimer = maxTimer = retryTimer = null;
    if (!dirty || saving || blocked) { return; }
    saving = true;
    editsSinceSend = 0;
    var sent = state();
    setStatus(msg.saving, "pending");
    var body = { version: version, sections: sent.sections, problems: sent.problems,
                 started_at: sent.started_at, ended_at: sent.ended_at };
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
                                  function () { return { status: response.status, data: {} }; });
    }).then(function (r) {
      saving = false;
      if (r.status === 200 && r.data.ok) { saved(r.data); return; }
      if (r.status === 409 && r.data.conflict) { conflict(r.data); return; }
      if (r.status === 422 || r.status === 400) {
        setStatus(msg.refused + (r.data.message || ""), "failed");
        return;
      }
      failed();
    }).catch(function () { saving = false; failed(); });
  }
  function saved(data) {
    setVersion(data.version);
    // New problems get their ids, in order (the server keeps the order it was sent).
    var nodes = problemsEl.querySelectorAll(".problem");
    (data.problems || []).forEach(function (p, i) { if (nodes[i]) { nodes[i].dataset.id = p.id; } });
    if (editsSinceSend === 0) {
      dirty = false;
      dropDraft();
      setStatus(msg.saved + " " + data.saved_at, "saved");
    } else {
      keepDraft();
      idleTimer = setTimeout(save, IDLE_MS);
    }
  }
  function failed() {
    keepDraft();
    setStatus(msg.failed, "failed");
    retryTimer = setTimeout(save, RETRY_MS);
  }

  // --- a conflict: theirs beside mine -------------------------------------------------------
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function problemsText(list) {
    return (list || []).map(function (p, i) { return (i + 1) + ". [" + p.focus_area + "] " + p.text; }).join("\n");
  }
  function conflict(data) {
    blocked = true;
    keepDraft();
    setStatus(msg.conflict, "failed");
    var theirs = fromPayload(data.current), mine = state();
    conflictEl.innerHTML = "";
    conflictEl.appendChild(el("p", "", data.message));
    var merged = {};
    var fields = TIMES.concat(SECTIONS);
    fields.forEach(function (name) {
      var a = name in theirs.sections ? theirs.sections[name] : theirs[name];
      var b = name in mine.sections ? mine.sections[name] : mine[name];
      merged[name] = b;
      if (a === b) { return; }
      var box = el("div", "conflict-field");
      box.dataset.field = name;
      box.appendChild(el("h3", "", labels[name] || name));
      var pair = el("div", "pair");
      var left = el("div", "side theirs"); left.appendChild(el("h4", "", msg.theirs + " · " + fmt(msg.version, data.current.version)));
      left.appendChild(document.createTextNode(a));
      var right = el("div", "side mine"); right.appendChild(el("h4", "", msg.mine));
      right.appendChild(document.createTextNode(b));
      pair.appendChild(left); pair.appendChild(right);
      box.appendChild(pair);
      var area = el(TIMES.indexOf(name) >= 0 ? "input" : "textarea", "merged");
      area.value = b;
      area.setAttribute("aria-label", msg.merged + " · " + (labels[name] || name));
      var buttons = el("div", "talk-actions");
      [[msg.useTheirs, function () { return a; }], [msg.useMine, function () { return b; }],
       [msg.useBoth, function () { return TIMES.indexOf(name) >= 0 ? b : (a + (a && b ? "\n" : "") + b); }]]
        .forEach(function (pairDef) {
          var button = el("button", "small", pairDef[0]); button.type = "button";
          button.addEventListener("click", function () { area.value = pairDef[1](); });
          buttons.appendChild(button);
        });
      box.appendChild(buttons);
      box.appendChild(el("label", "", msg.merged));
      box.appendChild(area);
      conflictEl.appendChild(box);
    });
    var problemChoice = "mine";
    if (!same(theirs.problems.map(strip), mine.problems.map(strip))) {
      var pbox = el("div", "conflict-field"); pbox.dataset.field = "problems";
      pbox.appendChild(el("h3", "", msg.problems));
      var ppair = el("div", "pair");
      var pl = el("div", "side theirs"); pl.appendChild(el("h4", "", msg.theirs)); pl.appendChild(document.createTextNode(problemsText(theirs.problems)));
      var pr = el("div", "side mine"); pr.appendChild(el("h4", "", msg.mine)); pr.appendChild(document.createTextNode(problemsText(mine.problems)));
      ppair.appendChild(pl); ppair.appendChild(pr); pbox.appendChild(ppair);
      var pbuttons = el("div", "talk-actions");
      [["theirs", msg.useTheirs], ["mine", msg.useMine]].forEach(function (choice) {
        var b = el("button", "small", choice[1]); b.type = "button";
        b.addEventListener("click", function () {
          problemChoice = choice[0];
          pl.classList.toggle("chosen", choice[0] === "theirs");
          pr.classList.toggle("chosen", choice[0] === "mine");
        });
        pbuttons.appendChild(b);
      });
      pbox.appendChild(pbuttons);
      conflictEl.appendChild(pbox);
    }
    var resolve = el("button", "primary", msg.resolve); resolve.type = "button"; resolve.id = "conflict-resolve";
    resolve.addEventListener("click", function () {
      var result = { sections: {}, problems: [] };
      fields.forEach(function (name) {
        var box = conflictEl.querySelector('.conflict-field[data-field="' + name + '"] .merged');
        var value = box ? box.value : merged[name];
        if (SECTIONS.indexOf(name) >= 0) { result.sections[name] = value; } else { result[name] = value; }
      });
      var known = {};
      theirs.problems.forEach(function (p) { known[p.id] = true; });
      result.problems = problemChoice === "theirs" ? theirs.problems : mine.problems.map(function (p) {
        // A problem the other editor removed comes back as a new one.
        return { id: known[p.id] ? p.id : null, outline_problem: p.outline_problem, focus_area: p.focus_area, text: p.text };
      });
      fill(result);
      setVersion(data.current.version);
      conflictEl.hidden = true;
      conflictEl.innerHTML = "";
      blocked = false;
      dirty = true;
      keepDraft();
      save();
    });
    conflictEl.appendChild(resolve);
    conflictEl.hidden = false;
    conflictEl.scrollIntoView({ block: "start" });
  }
  function strip(p) { return [p.focus_area, p.text]; }

  // --- wiring ---------------------------------------------------------------------------------
  form.addEventListener("input", changed);
  form.addEventListener("change", function (event) { if (event.target.tagName === "SELECT") { changed(); } });
  form.addEventListener("focusout", function () { if (dirty) { save(); } });
  form.addEventListener("submit", function (event) { event.preventDefault(); save(); });
  document.getElementById("save-now").addEventListener("click", function () { dirty = true; save(); });
  document.getElementById("add-problem").addEventListener("click", function () {
    addProblem({ focus_area: "A1", text: "" }).querySelector(".problem-text").focus();
    changed();
  });
  form.querySelectorAll(".add-from-outline").forEach(function (button) {
    button.addEventListener("click", function () {
      addProblem({ outline_problem: parseInt(button.dataset.outline, 10), focus_area: button.dataset.focus, text: button.dataset.text });
      changed();
    });
  });
  problemsEl.addEventListener("click", function (event) {
    var remove = event.target.closest(".problem-remove");
    if (!remove) { return; }
    remove.closest(".problem").remove();
    renumber();
    changed();
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty || saving) { keepDraft(); event.preventDefault(); event.returnValue = ""; }
  });
  window.addEventListener("online", function () { if (dirty) { save(); } });

  // A draft left by a reload or a lost connection, unlike what the server has: offer it.
  var draft = readDraft();
  if (draft && draft.state && !same(draft.state, fromPayload(server))) {
    var banner = document.getElementById("draft-banner");
    document.getElementById("draft-text").textContent = fmt(msg.draft, draft.at);
    banner.hidden = false;
    document.getElementById("draft-restore").addEventListener("click", function () {
      banner.hidden = true;
      fill(draft.state);
      // Saved on the version it was written from: if others saved since, a conflict shows.
      setVersion(draft.base);
      dirty = true;
      save();
    });
    document.getElementById("draft-discard").addEventListener("click", function () {
      banner.hidden = true;
      dropDraft();
    });
  } else if (draft) {
    dropDraft();
  }
})();
