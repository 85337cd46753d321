/* Jiguan management portal: message toasts, searching selects, and htmx glue. No external URL, ever. */
(function () {
  "use strict";

  var AUTOHIDE_MS = 6000;

  function toast(level, text) {
    var box = document.getElementById("messages");
    if (!box) return;
    var alert = document.createElement("div");
    alert.className = "alert alert-" + (level === "error" ? "danger" : level) + " alert-dismissible bg-white shadow-sm";
    alert.setAttribute("role", "alert");
    var body = document.createElement("div");
    body.textContent = text;
    var close = document.createElement("a");
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    alert.append(body, close);
    box.append(alert);
    if (level === "success" || level === "info") autohide(alert);
  }

  function autohide(alert) {
    setTimeout(function () { alert.remove(); }, AUTOHIDE_MS);
  }

  function forwardedValue(select, name) {
    var field = select.form && select.form.elements[name];
    return field ? field.value : "";
  }

  function initPicker(select) {
    var forward = (select.dataset.forward || "").split(",").filter(Boolean);
    var picker = new TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      preload: "focus",
      maxOptions: 30,
      copyClassesToDropdown: false,
      dropdownParent: "body",
      controlInput: "<input>",
      plugins: select.multiple ? ["remove_button"] : [],
      // The server searched (names, credit codes): show its answer as is, not re-filtered here.
      score: function () { return function () { return 1; }; },
      load: function (query, callback) {
        var url = new URL(select.dataset.picker, window.location.origin);
        url.searchParams.set("q", query);
        forward.forEach(function (name) { url.searchParams.set(name, forwardedValue(select, name)); });
        fetch(url, { credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (data) { picker.clearOptions(); callback(data.results); })
          .catch(function () { callback(); });
      },
    });
    forward.forEach(function (name) {
      var field = select.form && select.form.elements[name];
      if (!field) return;
      field.addEventListener("change", function () {  // e.g. a new unit: its departments differ
        picker.clear();
        picker.clearOptions();
        picker.loadedSearches = {};
      });
    });
  }

  function init(root) {
    root.querySelectorAll("select[data-picker]").forEach(function (el) { if (!el.tomselect) initPicker(el); });
    root.querySelectorAll("select[data-searchable]").forEach(function (el) {
      if (!el.tomselect) new TomSelect(el, { maxOptions: null, copyClassesToDropdown: false, dropdownParent: "body", controlInput: "<input>" });
    });
    root.querySelectorAll("#messages [data-autohide]").forEach(autohide);
  }

  document.addEventListener("DOMContentLoaded", function () {
    htmx.onLoad(init);
    document.body.addEventListener("jiguan:messages", function (event) {
      event.detail.value.forEach(function (m) { toast(m.level, m.text); });
    });
    // A session that timed out answers fragment requests with the login page: go there instead.
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var url = event.detail.xhr.responseURL || "";
      if (url.indexOf("/accounts/login/") !== -1) {
        event.detail.shouldSwap = false;
        window.location.href = url;
      }
    });
    document.body.addEventListener("htmx:sendError", function () {
      toast("error", document.body.dataset.networkError);
    });
    document.body.addEventListener("htmx:responseError", function (event) {
      if (!event.detail.xhr.getResponseHeader("HX-Trigger")) toast("error", document.body.dataset.requestError);
    });
  });
})();
