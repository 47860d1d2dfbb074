// Feed health from /api/feed-health: each feed the poller reported, ok or failing, its last success and error and
// when it is polled next.
import { every, getJson } from "./api.js";
import { fill, h } from "./dom.js";
import { absoluteTime, number, relativeTime } from "./format.js";

export function createFeedHealthPanel() {
  const body = h("div.feeds-body", {}, h("p.muted", {}, "loading…"));
  const note = h("span.panel-note", {});
  const element = h("section.panel.feeds-panel", { id: "feed-health", "aria-label": "Feed health" },
    h("header.panel-head", {}, h("h2", {}, "Feeds"), note), body);

  const stop = every(10_000, async () => {
    try {
      const health = await getJson("/api/feed-health");
      const counts = Object.entries(health.counts).map(([status, count]) => `${number(count)} ${status}`);
      note.textContent = health.feeds.length ? counts.join(" · ") : "";
      fill(body, health.feeds.length ? table(health.feeds) : h("p.muted", {}, "No feed has reported yet: is the FeedPoller running?"));
      element.classList.toggle("alarm", health.feeds.some((f) => f.status === "failing"));
      element.classList.remove("stale");
    } catch (error) {
      element.classList.add("stale");
      note.textContent = `not answering: ${error.message}`;
    }
  });
  return { element, stop };
}

function table(feeds) {
  return h("table.feeds", {},
    h("thead", {}, h("tr", {}, h("th", {}, "feed"), h("th", {}, "status"), h("th", {}, "last success"), h("th", {}, "last error"),
      h("th", {}, "next poll"), h("th.num", {}, "articles"))),
    h("tbody", {}, feeds.map((feed) => h("tr", { dataset: { feed: feed.id, status: feed.status }, class: feed.stale ? "warn" : null },
      h("td", {}, h("a", { href: feed.feedUrl.startsWith("http") ? feed.feedUrl : null, title: feed.feedUrl, target: "_blank", rel: "noopener noreferrer" },
        feed.title || feed.feedUrl)),
      h("td", {}, h(`span.status.status-${feed.status}`, { title: feed.consecutiveFailures ? `${feed.consecutiveFailures} failed polls in a row` : null },
        feed.status, feed.consecutiveFailures > 1 ? ` ×${feed.consecutiveFailures}` : null)),
      h("td", {}, when(feed.lastSuccessAt)),
      h("td.feed-error", { title: feed.lastError ?? "" }, feed.lastError ?? ""),
      h("td", {}, feed.stale ? h("span", { title: "the poller has not reported since it was due" }, `overdue ${relativeTime(feed.nextPollAt)}`) : when(feed.nextPollAt)),
      h("td.num", {}, number(feed.articlesPublished))))));
}

const when = (iso) => (iso ? h("time", { datetime: iso, title: absoluteTime(iso) }, relativeTime(iso)) : "never");
