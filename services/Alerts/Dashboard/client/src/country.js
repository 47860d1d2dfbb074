// A country page: its numbers, a daily trend chart, its topic mix, its live alert stream (and its stories).
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { ApiError, getJson } from "./api.js";
import { fill, h } from "./dom.js";
import { SEVERITIES, absoluteTime, countryName, number, relativeTime, topicLabel } from "./format.js";
import { createFeed } from "./feed.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.color = "#c3cad5";
Chart.defaults.borderColor = "#2b3340";
Chart.defaults.font.family = "inherit";

const severityColours = { none: "#5c6573", low: "#e3c94f", medium: "#f29b38", high: "#e8553c", critical: "#c2185b" };

export function createCountryPage(code, { vocabulary, stories }) {
  const name = countryName(code);
  const stats = h("dl.stats", {}, h("div", {}, h("dt", {}, "loading…")));
  const trendCanvas = h("canvas", { id: "trend-chart", "aria-label": `Alerts per day in ${name}, last 30 days`, role: "img" });
  const topicsCanvas = h("canvas", { id: "topics-chart", "aria-label": `Topic mix of ${name}'s alerts`, role: "img" });
  const storyList = h("div.story-list", {});
  const feed = createFeed({ vocabulary, fixedCountry: code, stories, onAlert: () => scheduleRefresh() });
  const element = h("div.country-page", { "data-country": code },
    h("header.country-head", {}, h("span.country-code", {}, code), h("h1", {}, name), stats),
    h("section.panel.trend-panel", { "aria-label": "Daily trend" }, h("header.panel-head", {}, h("h2", {}, "Alerts per day, last 30 days")),
      h("div.chart-box", {}, trendCanvas)),
    h("section.panel.topics-panel", { "aria-label": "Topic mix" }, h("header.panel-head", {}, h("h2", {}, "Topic mix, last 7 days")),
      h("div.chart-box", {}, topicsCanvas)),
    feed.element,
    h("section.panel.stories-panel", { "aria-label": "Stories" }, h("header.panel-head", {}, h("h2", {}, "Stories")), storyList));

  let trendChart = null;
  let topicsChart = null;
  let refreshTimer = null;

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(load, 1500);
  }

  async function load() {
    const [detail, trend] = await Promise.all([
      getJson(`/api/countries/${code}`).catch((error) => (error instanceof ApiError && error.status === 404 ? null : Promise.reject(error))),
      getJson(`/api/countries/${code}/trend?days=30`),
    ]);
    renderStats(detail);
    renderTrend(trend.days);
    renderTopics(detail);
    await stories.renderCountry(code, storyList);
  }

  function renderStats(detail) {
    if (!detail) {
      fill(stats, h("div", {}, h("dt", {}, "alerts"), h("dd", {}, "none yet")));
      return;
    }
    fill(stats,
      stat("last 24 h", number(detail.alerts24h)),
      stat("last 7 days", number(detail.alerts7d)),
      stat("all time", number(detail.alertsTotal)),
      stat("highest, 24 h", h(`span.badge.sev-${detail.maxSeverity24h}`, {}, detail.maxSeverity24h)),
      stat("last alert", h("time", { datetime: detail.lastAlertAt, title: absoluteTime(detail.lastAlertAt) }, relativeTime(detail.lastAlertAt))));
  }

  function renderTrend(days) {
    const labels = days.map((d) => d.day.slice(5));
    const datasets = SEVERITIES.filter((s) => s !== "none" || days.some((d) => d.severities?.none))
      .map((s) => ({ label: s, data: days.map((d) => d.severities?.[s] ?? 0), backgroundColor: severityColours[s], stack: "alerts" }));
    trendCanvas.dataset.total = String(days.reduce((sum, d) => sum + d.alerts, 0));
    trendCanvas.dataset.days = String(days.length);
    trendCanvas.dataset.series = days.map((d) => d.alerts).join(",");
    if (trendChart) {
      trendChart.data.labels = labels;
      trendChart.data.datasets = datasets;
      trendChart.update("none");
      return;
    }
    trendChart = new Chart(trendCanvas, {
      type: "bar",
      data: { labels, datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { stacked: true, ticks: { maxRotation: 0, autoSkipPadding: 8 } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  }

  function renderTopics(detail) {
    const week = detail?.topics7d ?? {};
    const day = detail?.topics24h ?? {};
    const topics = Object.keys(week).sort((a, b) => week[b] - week[a]);
    const data = {
      labels: topics.map(topicLabel),
      datasets: [
        { label: "7 days", data: topics.map((t) => week[t]), backgroundColor: "#4f8fd6" },
        { label: "24 hours", data: topics.map((t) => day[t] ?? 0), backgroundColor: "#f29b38" },
      ],
    };
    topicsCanvas.dataset.topics = topics.join(" ");
    if (topicsChart) {
      topicsChart.data = data;
      topicsChart.update("none");
      return;
    }
    topicsChart = new Chart(topicsCanvas, {
      type: "bar",
      data,
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  }

  load().catch((error) => fill(stats, h("div", {}, h("dt.error", {}, `could not load ${name}: ${error.message}`))));
  return {
    element,
    stop: () => {
      feed.stop();
      clearTimeout(refreshTimer);
      trendChart?.destroy();
      topicsChart?.destroy();
    },
  };
}

function stat(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, value));
}
