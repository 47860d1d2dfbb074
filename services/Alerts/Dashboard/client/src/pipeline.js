// Pipeline health from /api/pipeline: articles per minute at each stage, fetch → alert latency, the broker's queues
// (depth and consumers, from the RabbitMQ management API) and each projection's lag behind the high-water mark.
import { every, getJson } from "./api.js";
import { fill, h } from "./dom.js";
import { duration, number, relativeTime } from "./format.js";

const DEEP_QUEUE = 1000;
const LAGGING_EVENTS = 500;

export function createPipelinePanel() {
  const body = h("div.pipeline-body", {}, h("p.muted", {}, "loading…"));
  const stamp = h("span.panel-note", {});
  const element = h("section.panel.pipeline-panel", { id: "pipeline", "aria-label": "Pipeline health" },
    h("header.panel-head", {}, h("h2", {}, "Pipeline"), stamp), body);

  const stop = every(5000, async () => {
    try {
      const snapshot = await getJson("/api/pipeline");
      fill(body, ...render(snapshot));
      stamp.textContent = `high-water mark ${number(snapshot.highWaterMark)} · ${relativeTime(snapshot.at)}`;
      element.classList.remove("stale");
    } catch (error) {
      element.classList.add("stale");
      stamp.textContent = `not answering: ${error.message}`;
    }
  });
  return { element, stop };
}

function render(snapshot) {
  const { rates, fetchToAlert: latency } = snapshot;
  const queues = snapshot.queues.filter((q) => !q.name.endsWith("_skipped"));
  return [
    h("div.tiles", {},
      tile("fetched", rates.fetchedPerMinute, "/min"),
      tile("classified", rates.classifiedPerMinute, "/min"),
      tile("recorded", rates.recordedPerMinute, "/min"),
      tile("alerted", rates.alertedPerMinute, "/min"),
      h("div.tile.latency", { title: `fetch → alert over the last 5 minutes, ${number(latency.samples)} alerts` },
        h("span.tile-value", {}, duration(latency.p50Ms)),
        h("span.tile-label", {}, "fetch → alert p50"),
        h("span.tile-detail", {}, `p95 ${duration(latency.p95Ms)} · p99 ${duration(latency.p99Ms)}`)),
    ),
    snapshot.brokerError ? h("p.error", { role: "alert" }, snapshot.brokerError) : null,
    h("div.tables", {},
      h("table.queues", {},
        h("caption", {}, "RabbitMQ queues"),
        h("thead", {}, h("tr", {}, h("th", {}, "queue"), h("th.num", {}, "depth"), h("th.num", {}, "unacked"), h("th.num", {}, "consumers"), h("th.num", {}, "in/s"), h("th.num", {}, "out/s"))),
        h("tbody", {}, queues.length ? queues.map((q) => h("tr", {
          class: [q.messages >= DEEP_QUEUE ? "warn" : "", q.consumers === 0 && !q.name.endsWith("_error") ? "warn" : "",
            q.name.endsWith("_error") && q.messages > 0 ? "bad" : ""].filter(Boolean).join(" ") || null,
          dataset: { queue: q.name },
        },
        h("td", {}, q.name), h("td.num", {}, number(q.messages)), h("td.num", {}, number(q.unacknowledged)),
        h("td.num", {}, number(q.consumers)), h("td.num", {}, number(q.publishRate, 1)), h("td.num", {}, number(q.deliverRate, 1))))
          : h("tr", {}, h("td.muted", { colspan: 6 }, "no queues")))),
      h("table.projections", {},
        h("caption", {}, "Projection lag behind the event store"),
        h("thead", {}, h("tr", {}, h("th", {}, "projection"), h("th.num", {}, "position"), h("th.num", {}, "events"), h("th.num", {}, "seconds"))),
        h("tbody", {}, snapshot.projections.map((p) => h("tr", { class: p.lagEvents >= LAGGING_EVENTS ? "warn" : null, dataset: { projection: p.name } },
          h("td", {}, p.name), h("td.num", {}, number(p.position)), h("td.num", {}, number(p.lagEvents)), h("td.num", {}, number(p.lagSeconds, 1))))))),
  ];
}

function tile(label, value, unit = "") {
  return h("div.tile", {}, h("span.tile-value", {}, typeof value === "number" ? number(value, 1) : value, unit ? h("small", {}, unit) : null),
    h("span.tile-label", {}, label));
}
