// Send the CSRF token with every htmx request (CSP forbids inline scripts, hence this file).
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.body.getAttribute("data-csrf");
  if (token) { event.detail.headers["X-CSRFToken"] = token; }
});

// Tree toggles: the first click loads a node's children (hx-trigger "click once"); later
// clicks fold and unfold them without asking again. Here, not in hx-on: that needs
// 'unsafe-eval', which the CSP forbids.
document.addEventListener("htmx:afterRequest", function (event) {
  var button = event.detail.elt;
  if (!button.classList || !button.classList.contains("toggle") || !event.detail.successful) { return; }
  button.dataset.loaded = "1";
  button.dataset.labelUnfold = button.getAttribute("aria-label");
  setToggle(button, true);
});
function setToggle(button, open) {
  var label = open ? button.dataset.labelFold : button.dataset.labelUnfold;
  button.textContent = open ? "−" : "+";
  button.setAttribute("aria-expanded", open ? "true" : "false");
  if (label) { button.setAttribute("aria-label", label); button.title = label; }
}
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button.toggle[data-loaded]");
  if (!button) { return; }
  var target = document.querySelector(button.getAttribute("hx-target"));
  if (!target) { return; }
  var open = target.hidden;
  target.hidden = !open;
  setToggle(button, open);
});

// A record's local draft (record.js) holds what was said in a talk: it must not outlive the
// session on a shared machine. Cleared on every signed-out page (after logout, an idle
// timeout or a lost session) and when the logout button is pressed.
function dropLocalDrafts() {
  try {
    for (var i = localStorage.length - 1; i >= 0; i--) {
      var k = localStorage.key(i);
      if (k && k.indexOf("tanhua:") === 0) { localStorage.removeItem(k); }
    }
  } catch (e) { /* storage disabled: nothing kept */ }
}
document.addEventListener("DOMContentLoaded", function () {
  if (document.body.dataset.signedOut) { dropLocalDrafts(); }
});
document.addEventListener("submit", function (event) {
  var action = event.target.getAttribute && event.target.getAttribute("action");
  if (action && /\/accounts\/logout\/$/.test(action)) { dropLocalDrafts(); }
});
