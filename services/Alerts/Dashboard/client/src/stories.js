// Stories: the same event across sources and languages. The feed shows each alert's story size; a country page
// lists its stories. Sizes come in batches from /api/dashboard/stories and are fetched again when a live alert
// joins a story.
import { getJson, query } from "./api.js";
import { fill, h } from "./dom.js";
import { absoluteTime, countryName, languageName, number, relativeTime, topicLabel } from "./format.js";

const BATCH = 100;

export function createStoryIndex() {
  const known = new Map();
  const asked = new Set();
  const wanted = new Set();
  const listeners = new Set();
  let timer = null;

  function schedule(id) {
    asked.add(id);
    wanted.add(id);
    clearTimeout(timer);
    timer = setTimeout(flush, 250);
  }

  async function flush() {
    const ids = [...wanted];
    wanted.clear();
    for (let i = 0; i < ids.length; i += BATCH) {
      try {
        const { stories } = await getJson(`/api/dashboard/stories${query({ ids: ids.slice(i, i + BATCH).join(",") })}`);
        for (const story of stories) known.set(story.id, story);
      } catch (error) {
        console.error(error);
      }
    }
    for (const listener of listeners) listener();
  }

  return {
    /** The story's size as far as known ({ articles, sources, title, breaking }); asks for it when unknown. */
    size(id) {
      const story = known.get(id);
      if (!story) {
        // Asked once; a live alert in the story asks again (changed).
        if (!asked.has(id)) schedule(id);
        return null;
      }
      return { articles: story.articleCount, sources: story.sourceCount, title: story.title, breaking: story.breaking };
    },
    /** A live alert joined (or changed) this story: its size is fetched again. */
    changed: (id) => schedule(id),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    renderCountry,
  };
}

async function renderCountry(code, container) {
  let page;
  try {
    page = await getJson(`/api/stories${query({ country: code, limit: 12, articles: 3 })}`);
  } catch (error) {
    fill(container, h("p.error", {}, `could not load stories: ${error.message}`));
    return;
  }
  if (!page.stories.length) {
    fill(container, h("p.muted", {}, `No stories about ${countryName(code)} yet.`));
    return;
  }
  fill(container, page.stories.map(renderStory));
}

function renderStory(story) {
  const articles = `${number(story.articleCount)} ${story.articleCount === 1 ? "article" : "articles"}`;
  const sources = `${number(story.sourceCount)} ${story.sourceCount === 1 ? "source" : "sources"}`;
  return h("article.story", { dataset: { story: story.id, articles: String(story.articleCount) } },
    h("div.story-head", {},
      story.breaking ? h("span.breaking", { title: story.breakingReason ?? "" }, "breaking") : null,
      h(`span.badge.sev-${story.severity}`, {}, story.severity),
      h("span.story-title", {}, story.title)),
    h("div.story-meta", {},
      `${articles} · ${sources} · ${story.languages.map(languageName).join(", ")} · `,
      h("time", { datetime: story.lastUpdated, title: absoluteTime(story.lastUpdated) }, `updated ${relativeTime(story.lastUpdated)}`)),
    h("div.alert-tags", {},
      story.countries.map((c) => h("a.chip.country-chip", { href: `#/country/${c}`, title: countryName(c) }, c)),
      story.topics.map((t) => h("span.chip.topic-chip", {}, topicLabel(t)))),
    h("ul.story-articles", {}, story.articles.map((a) => h("li", {},
      h("a", { href: a.url, target: "_blank", rel: "noopener noreferrer", lang: a.language }, a.title), " ",
      h("span.muted", {}, `${a.source}, ${relativeTime(a.detectedAt)}`)))));
}
