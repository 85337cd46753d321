/* The big screen: polls its data endpoint and updates the panels in place (ECharts setOption, DOM text),
   never reloading. A 401/403 (token expired or revoked, session gone) or a refused request covers the
   screen with the server's message and stops polling. A kiosk's display token comes from the URL's
   fragment, which the browser never sends to a server, and goes out only in the data request's header. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("screen-config").textContent);
  var labels = config.labels;
  var root = document.getElementById("screen");
  var secret = config.kiosk ? decodeURIComponent(window.location.hash.replace(/^#/, "")) : "";
  var charts = {};
  var timer = null;
  var polls = 0;
  // More KPIs than a wall can show side by side (three modules give 22): the strip shows them a page at a time.
  var KPI_PAGE = 8;
  var kpiPage = 0;

  function byId(id) { return document.getElementById(id); }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function number(value) {
    if (value === null || value === undefined) { return "—"; }
    return Number(value).toLocaleString("zh-CN", {maximumFractionDigits: 2});
  }

  function moment(iso) { return iso ? iso.slice(0, 19).replace("T", " ") : "—"; }

  function chart(id) {
    if (!charts[id]) {
      charts[id] = echarts.init(byId(id), "dark", {renderer: "canvas"});
    }
    return charts[id];
  }

  // --- Panels ------------------------------------------------------------------------------------

  function renderKpis(cards) {
    var strip = byId("kpi-cards");
    strip.replaceChildren();
    cards.forEach(function (card) {
      var box = element("div", "kpi");
      box.dataset.kpi = card.kpi;
      box.appendChild(element("div", "kpi-label", card.label));
      var value = element("div", "kpi-value", number(card.value));
      value.appendChild(element("span", "kpi-measure", card.measure));
      box.appendChild(value);
      var change = element("div", "kpi-change");
      if (card.change === null) {
        change.textContent = labels.no_previous;
      } else {
        change.classList.add(card.change > 0 ? "up" : card.change < 0 ? "down" : "same");
        change.textContent = (card.change > 0 ? "▲ +" : card.change < 0 ? "▼ " : "— ") + number(card.change) +
          " " + labels.vs_previous;
      }
      box.appendChild(change);
      strip.appendChild(box);
    });
    if (!cards.length) { strip.appendChild(element("div", "ticker-empty", labels.no_kpis)); }
    showKpiPage();
  }

  function showKpiPage() {
    var cards = byId("kpi-cards").querySelectorAll(".kpi");
    var pages = Math.max(1, Math.ceil(cards.length / KPI_PAGE));
    kpiPage = kpiPage % pages;
    cards.forEach(function (card, index) { card.hidden = Math.floor(index / KPI_PAGE) !== kpiPage; });
    var pager = byId("kpi-pager");
    pager.hidden = pages < 2;
    pager.textContent = (kpiPage + 1) + " / " + pages;
  }

  window.setInterval(function () { kpiPage += 1; showKpiPage(); }, config.kpi_page_seconds * 1000);

  function renderComparison(comparison) {
    byId("compare-title").textContent = labels.comparison + (comparison.label ? " · " + comparison.label : "");
    var rows = comparison.rows.slice().reverse();  // ECharts draws the first category at the bottom
    chart("chart-compare").setOption({
      backgroundColor: "transparent",
      title: rows.length ? {show: false} : {show: true, text: labels.nothing_to_compare, left: "center", top: "middle",
        textStyle: {color: "#7f9bbb", fontSize: 14, fontWeight: "normal"}},
      grid: {left: 8, right: 56, top: 8, bottom: 8, containLabel: true},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      xAxis: {type: "value", name: comparison.measure, splitLine: {lineStyle: {color: "#1f4b7a"}}},
      yAxis: {type: "category", data: rows.map(function (r) { return r.name; })},
      series: [{type: "bar", name: comparison.label, data: rows.map(function (r) { return r.value; }),
        barMaxWidth: 22, label: {show: true, position: "right", color: "#dbe8f7"},
        itemStyle: {color: new echarts.graphic.LinearGradient(0, 0, 1, 0, [
          {offset: 0, color: "#1a6fd1"}, {offset: 1, color: "#37c6ff"}])}}]
    }, {notMerge: true});
  }

  function renderEvents(events) {
    var tiles = byId("event-states");
    tiles.replaceChildren();
    events.states.concat([{state: "overdue", label: labels.overdue, count: events.overdue}]).forEach(function (s) {
      var tile = element("div", "event-state" + (s.state === "overdue" ? " overdue" : ""));
      tile.dataset.state = s.state;
      tile.appendChild(element("b", "", number(s.count)));
      tile.appendChild(element("span", "", s.label));
      tiles.appendChild(tile);
    });
    chart("chart-events").setOption({
      backgroundColor: "transparent",
      grid: {left: 8, right: 8, top: 28, bottom: 4, containLabel: true},
      legend: {top: 0, right: 0},
      tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: events.days.map(function (d) { return d.slice(5); })},
      yAxis: {type: "value", minInterval: 1, splitLine: {lineStyle: {color: "#1f4b7a"}}},
      series: [
        {type: "bar", name: labels.opened, data: events.opened, barMaxWidth: 16, itemStyle: {color: "#37c6ff"}},
        {type: "line", name: labels.closed, data: events.closed, itemStyle: {color: "#3ddc97"}}
      ]
    });
  }

  function renderCosts(costs) {
    var note = byId("cost-ytd");
    note.textContent = costs.ytd_change === null ? "" :
      labels.ytd_change.replace("%(change)s", (costs.ytd_change > 0 ? "+" : "") + number(costs.ytd_change) + "%");
    chart("chart-costs").setOption({
      backgroundColor: "transparent",
      grid: {left: 8, right: 8, top: 28, bottom: 4, containLabel: true},
      legend: {top: 0, right: 0},
      tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: costs.months.map(function (m) { return labels.month.replace("%(month)s", m); })},
      yAxis: {type: "value", name: labels.yuan, splitLine: {lineStyle: {color: "#1f4b7a"}}},
      series: [
        {type: "line", name: labels.last_year.replace("%(year)s", costs.year - 1), data: costs.last_year,
          lineStyle: {type: "dashed"}, itemStyle: {color: "#7f9bbb"}},
        {type: "line", name: labels.this_year.replace("%(year)s", costs.year), data: costs.this_year,
          areaStyle: {opacity: 0.2}, itemStyle: {color: "#ff9f43"}}
      ]
    });
  }

  function tickerItem(alert) {
    var item = element("li", "ticker-item");
    item.appendChild(element("span", "sev sev-" + alert.severity, alert.severity_label));
    item.appendChild(element("span", "ticker-title", alert.title));
    item.appendChild(element("div", "ticker-meta", alert.place + " · " + moment(alert.since)));
    return item;
  }

  function renderAlerts(alerts) {
    var ticker = byId("alert-ticker");
    var track = byId("alert-track");
    byId("alert-count").textContent = alerts.length ? "(" + alerts.length + ")" : "";
    track.replaceChildren();
    if (!alerts.length) { track.appendChild(element("li", "ticker-empty", labels.no_alerts)); }
    alerts.forEach(function (alert) { track.appendChild(tickerItem(alert)); });
    ticker.classList.remove("scrolling");
    if (track.scrollHeight > ticker.clientHeight) {  // scroll only what does not fit: a second copy loops it
      alerts.forEach(function (alert) { track.appendChild(tickerItem(alert)).setAttribute("aria-hidden", "true"); });
      ticker.style.setProperty("--ticker-duration", Math.max(10, alerts.length * 3) + "s");
      ticker.classList.add("scrolling");
    }
  }

  function render(data) {
    byId("screen-place").textContent = data.place.name;
    document.title = data.place.name + " · " + labels.title;
    byId("screen-updated").textContent = moment(data.generated_at);
    renderKpis(data.kpis);
    renderComparison(data.comparison);
    renderEvents(data.events);
    renderCosts(data.costs);
    renderAlerts(data.alerts);
    polls += 1;
    root.dataset.polls = String(polls);
  }

  // --- Polling -----------------------------------------------------------------------------------

  function stop(message) {
    window.clearInterval(timer);
    timer = null;
    byId("screen-message-text").textContent = message;
    byId("screen-message").hidden = false;
  }

  function poll() {
    var headers = {"Accept": "application/json"};
    if (config.kiosk) { headers[config.token_header] = secret; }
    fetch(config.data_url, {headers: headers, cache: "no-store", credentials: config.kiosk ? "omit" : "same-origin"})
      .then(function (response) {
        if (response.redirected) { return stop(labels.signed_out); }  // the idle timeout ended the session
        if (response.ok) {
          return response.json().then(function (data) { byId("screen-stale").hidden = true; render(data); });
        }
        if (response.status >= 400 && response.status < 500) {  // refused: polling again cannot help
          return response.json().catch(function () { return {}; }).then(function (body) {
            stop(body.message || labels.refused);
          });
        }
        throw new Error(String(response.status));
      })
      .catch(function () { if (timer !== null) { byId("screen-stale").hidden = false; } });
  }

  function tick() {
    var now = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    byId("screen-clock").textContent = now.getFullYear() + "-" + two(now.getMonth() + 1) + "-" + two(now.getDate()) +
      " " + two(now.getHours()) + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds()) + " " +
      labels.weekdays[now.getDay()];
  }

  tick();
  window.setInterval(tick, 1000);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
  });
  if (config.kiosk && !secret) {
    stop(labels.missing_token);
    return;
  }
  timer = window.setInterval(poll, config.poll_seconds * 1000);
  poll();
})();
