// Marks the page as scripted so NHS.UK components enhance themselves; kept out of the HTML for CSP.
document.documentElement.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.documentElement.classList.add("nhsuk-frontend-supported");
}
