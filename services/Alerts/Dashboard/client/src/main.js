// The operator dashboard: an overview (map, live feed, feed and pipeline health) and a page per country,
// switched by the address's hash (#/ and #/country/JP) so every view can be bookmarked on a wall screen.
import "./style.css";
import { every, getJson, onStreamState } from "./api.js";
import { fill, h } from "./dom.js";
import { countryName, number } from "./format.js";
import { createWorldMap } from "./map.js";
import { createFeed } from "./feed.js";
import { createPipelinePanel } from "./pipeline.js";
import { createFeedHealthPanel } from "./feeds.js";
import { createCountryPage } from "./country.js";
import { createStoryIndex } from "./stories.js";

const view = document.getElementById("view");
const crumbs = document.getElementById("crumbs");
let current = { stop: () => {} };
let vocabulary = null;
const stories = createStoryIndex();

function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = hash.split("?");
  current.stop();
  const country = /^\/country\/([A-Za-z]{2})$/.exec(path);
  current = country ? showCountry(country[1].toUpperCase()) : showOverview(new URLSearchParams(search));
  window.scrollTo(0, 0);
}

function showOverview(parameters) {
  fill(crumbs);
  document.title = "Monitoring";
  const filters = Object.fromEntries(["country", "topic", "severity", "language"].map((name) => [name, parameters.get(name) ?? ""]));

  const map = createWorldMap((code) => (location.hash = `#/country/${code}`));
  const mapNote = h("span.panel-note", {});
  const mapPanel = h("section.panel.map-panel", { "aria-label": "World map" },
    h("header.panel-head", {}, h("h2", {}, "Highest severity in the last 24 hours"), mapNote), map.element);

  let refreshTimer = null;
  const loadCountries = async () => {
    try {
      const countries = await getJson("/api/countries");
      map.update(countries);
      const alerting = countries.filter((c) => c.alerts24h > 0);
      mapNote.textContent = `${number(alerting.length)} countries with alerts in 24 h · ${number(alerting.reduce((n, c) => n + c.alerts24h, 0))} alerts`;
      mapPanel.classList.remove("stale");
    } catch (error) {
      mapPanel.classList.add("stale");
      mapNote.textContent = `not answering: ${error.message}`;
    }
  };
  const stopCountries = every(30_000, loadCountries);

  const feed = createFeed({
    vocabulary,
    filters,
    stories,
    onFilters: (next) => {
      const search = new URLSearchParams(Object.entries(next).filter(([, value]) => value)).toString();
      history.replaceState(null, "", `#/${search ? `?${search}` : ""}`);
    },
    // A new alert may change a country's colour: refresh the map soon, once per burst.
    onAlert: () => {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(loadCountries, 1500);
    },
  });
  const pipeline = createPipelinePanel();
  const feedHealth = createFeedHealthPanel();

  fill(view, h("div.overview", {}, mapPanel, feed.element, h("div.health", {}, feedHealth.element, pipeline.element)));
  return {
    stop: () => {
      stopCountries();
      clearTimeout(refreshTimer);
      feed.stop();
      pipeline.stop();
      feedHealth.stop();
    },
  };
}

function showCountry(code) {
  fill(crumbs, h("a", { href: "#/" }, "World"), h("span", {}, " / "), h("span", {}, countryName(code)));
  document.title = `${countryName(code)} · Monitoring`;
  const page = createCountryPage(code, { vocabulary, stories });
  fill(view, page.element);
  return page;
}

function startClock() {
  const clock = document.getElementById("clock");
  const format = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "UTC" });
  const tick = () => (clock.textContent = `${format.format(new Date())} UTC`);
  tick();
  setInterval(tick, 1000);
}

async function start() {
  startClock();
  const status = document.getElementById("live-status");
  onStreamState((state) => {
    status.dataset.state = state;
    status.textContent = state;
  });
  try {
    const [words, countries] = await Promise.all([getJson("/api/vocabulary"), getJson("/api/countries")]);
    vocabulary = { ...words, countries: countries.map((c) => c.code).sort() };
  } catch (error) {
    fill(view, h("p.error", { role: "alert" }, `The Alerts service is not answering (${error.message}); reload to try again.`));
    return;
  }
  window.addEventListener("hashchange", route);
  route();
}

start();
