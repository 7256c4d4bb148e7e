// Send the CSRF token with every htmx request (CSP forbids inline scripts, hence this file).
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.body.getAttribute("data-csrf");
  if (token) { event.detail.headers["X-CSRFToken"] = token; }
});
