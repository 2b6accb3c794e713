// Marks the page as scripted so NHS.UK components enhance themselves. It runs as the first thing
// in <body> (NHS.UK frontend looks for the classes there) and lives in a file, not inline, for CSP.
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("nhsuk-frontend-supported");
}
