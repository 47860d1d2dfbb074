// The live alert feed: the newest alerts from /api/alerts, then every new one from the server-sent event stream,
// without reloading. Filters by country, topic and severity go to the server; language is filtered here, since the
// stream has no language filter.
import { followAlerts, getJson, query } from "./api.js";
import { fill, h } from "./dom.js";
import { SEVERITIES, absoluteTime, countryName, languageName, number, relativeTime, topicLabel } from "./format.js";

const KEEP = 200;

/**
 * @param options.vocabulary  /api/vocabulary (topics, severities, languages)
 * @param options.filters     { country, topic, severity, language }: the starting filters
 * @param options.fixedCountry a country page's own country: its filter is not offered
 * @param options.onFilters   called with the filters whenever the person changes them
 * @param options.onAlert     called for every live alert (after filtering)
 * @param options.stories     the story index (stories.js) that knows each alert's story size
 */
export function createFeed({ vocabulary, filters: initial = {}, fixedCountry = null, onFilters, onAlert, stories }) {
  let filters = { country: "", topic: "", severity: "", language: "", ...initial };
  if (fixedCountry) filters.country = fixedCountry;
  let items = [];
  let stop = () => {};
  let generation = 0;

  const list = h("ol.alerts", { id: fixedCountry ? "country-feed" : "feed" });
  const summary = h("p.feed-summary", { role: "status" }, "loading…");
  const controls = h("form.filters", { onsubmit: (event) => event.preventDefault() },
    fixedCountry ? null : select("country", "Country", [["", "All countries"], ...(vocabulary.countries ?? []).map((c) => [c, `${countryName(c)} (${c})`])]),
    select("topic", "Topic", [["", "All topics"], ...vocabulary.topics.map((t) => [t, topicLabel(t)])]),
    select("severity", "Severity", [["", "Any severity"], ...SEVERITIES.slice(1).map((s) => [s, `${s} or higher`])]),
    select("language", "Language", [["", "All languages"], ...vocabulary.languages.map((l) => [l, languageName(l)])]));
  const element = h("section.panel.feed-panel", { "aria-label": "Live alert feed" },
    h("header.panel-head", {}, h("h2", {}, fixedCountry ? "Alert stream" : "Live alerts"), summary), controls, list);

  function select(name, label, options) {
    const control = h("select", { id: `filter-${name}`, name, onchange: () => change(name, control.value) },
      options.map(([value, text]) => h("option", { value, selected: (filters[name] ?? "") === value }, text)));
    // A value from the address that is not offered (e.g. a country with no alerts yet) is still shown and kept.
    if (filters[name] && !options.some(([value]) => value === filters[name])) {
      control.append(h("option", { value: filters[name], selected: true }, filters[name]));
    }
    return h("label.filter", {}, h("span", {}, label), control);
  }

  function change(name, value) {
    filters = { ...filters, [name]: value };
    onFilters?.(filters);
    restart();
  }

  async function restart() {
    stop();
    const mine = ++generation;
    summary.textContent = "loading…";
    const server = { country: filters.country, topic: filters.topic, minSeverity: filters.severity };
    let page;
    try {
      page = await getJson(`/api/alerts${query({ ...server, language: filters.language, limit: 60 })}`);
    } catch (error) {
      if (mine !== generation) return;
      summary.textContent = `could not load alerts: ${error.message}; retrying`;
      setTimeout(() => mine === generation && restart(), 5000);
      return;
    }
    if (mine !== generation) return;
    items = page.alerts.map((alert) => ({ alert, fresh: false, withdrawn: false }));
    render();
    stop = followAlerts({ after: page.position, ...server }, {
      onAlert: (alert) => {
        if (filters.language && alert.language !== filters.language) return;
        items = [{ alert, fresh: true, withdrawn: false }, ...items.filter((i) => i.alert.articleId !== alert.articleId)].slice(0, KEEP);
        if (alert.storyId) stories?.changed(alert.storyId);
        render();
        onAlert?.(alert);
      },
      onClosed: () => setTimeout(() => mine === generation && restart(), 5000),
      onWithdrawn: (alert) => {
        const item = items.find((i) => i.alert.articleId === alert.articleId);
        if (!item) return;
        item.withdrawn = true;
        render();
        onAlert?.(alert);
      },
    });
  }

  function render() {
    const now = Date.now();
    fill(list, ...items.map((item) => renderAlert(item, now, stories)));
    const active = Object.entries(filters).filter(([name, value]) => value && !(fixedCountry && name === "country"));
    summary.textContent = `${number(items.length)} ${items.length === 1 ? "alert" : "alerts"}` +
      (active.length ? ` matching ${active.map(([, v]) => v).join(", ")}` : "");
    for (const item of items) item.fresh = false;
  }

  // Relative times age: refresh them now and then without touching the list otherwise.
  const ticker = setInterval(() => {
    const now = Date.now();
    for (const time of list.querySelectorAll("time[datetime]")) time.textContent = relativeTime(time.dateTime, now);
  }, 30_000);

  // Story sizes arrive after the alerts: they are written into the list in place.
  const stopStories = stories?.onChange(() => {
    for (const span of list.querySelectorAll(".story[data-story]")) writeStory(span, stories.size(span.dataset.story));
  }) ?? (() => {});
  restart();
  return {
    element,
    rerender: render,
    stop: () => {
      generation++;
      stop();
      stopStories();
      clearInterval(ticker);
    },
  };
}

function renderAlert({ alert, fresh, withdrawn }, now, stories) {
  const primary = new Set(alert.primary ?? []);
  const mentioned = (alert.countries ?? []).filter((c) => !primary.has(c));
  return h(`li.alert.sev-${alert.severity}`, {
    class: [fresh ? "fresh" : "", withdrawn ? "withdrawn" : ""].filter(Boolean).join(" "),
    dataset: { article: alert.articleId, language: alert.language, severity: alert.severity, countries: [...primary].join(" "), story: alert.storyId ?? "" },
  },
  h("div.alert-head", {},
    h(`span.badge.sev-${alert.severity}`, { title: `severity ${alert.severity}` }, alert.severity),
    h("a.alert-title", { href: alert.url, target: "_blank", rel: "noopener noreferrer", lang: alert.language }, alert.title)),
  h("div.alert-meta", {},
    h("span.source", {}, alert.source), " · ",
    h("span.language", {}, languageName(alert.language)), " · ",
    h("time", { datetime: alert.detectedAt, title: absoluteTime(alert.detectedAt) }, relativeTime(alert.detectedAt, now)),
    alert.storyId && stories ? writeStory(h("span.story", { "data-story": alert.storyId }), stories.size(alert.storyId)) : null,
    withdrawn ? [" · ", h("span.withdrawn-note", {}, "withdrawn")] : null),
  h("div.alert-tags", {},
    [...primary].map((c) => h("a.chip.country-chip", { href: `#/country/${c}`, title: countryName(c) }, c)),
    mentioned.length ? h("span.mentions", { title: `also mentions ${mentioned.map(countryName).join(", ")}` }, `+ ${mentioned.join(" ")}`) : null,
    (alert.topics ?? []).map((t) => h("span.chip.topic-chip", { "data-topic": t }, topicLabel(t)))));
}

function writeStory(span, story) {
  span.textContent = story ? `story of ${number(story.articles)} ${story.articles === 1 ? "article" : "articles"}` : "";
  span.title = story ? `${story.title} · ${number(story.sources)} ${story.sources === 1 ? "source" : "sources"}` : "";
  span.classList.toggle("story-breaking", Boolean(story?.breaking));
  return span;
}
