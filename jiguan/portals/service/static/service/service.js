/* Service portal: register the service worker (offline page, cached shell) and confirm risky buttons. */
(function () {
  const script = document.currentScript;
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(script.dataset.worker, { scope: script.dataset.scope });
    });
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
})();
