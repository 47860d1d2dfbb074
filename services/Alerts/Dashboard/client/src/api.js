// The Alerts service's HTTP API, as the dashboard reads it.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, `${path}: ${message}`);
  }
  return response.json();
}

export function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const listeners = new Set();
let openStreams = 0;
let failingStreams = 0;

/** Tells the header how the live streams are doing: "live", "reconnecting" or "connecting". */
export function onStreamState(listener) {
  listeners.add(listener);
  listener(streamState());
}

function streamState() {
  if (failingStreams > 0) return "reconnecting";
  return openStreams > 0 ? "live" : "connecting";
}

function notify() {
  const state = streamState();
  for (const listener of listeners) listener(state);
}

/**
 * Follows /api/alerts/stream from a position: the browser's EventSource reconnects by itself and sends
 * Last-Event-ID, so the server resumes exactly where the page left off; onClosed is told when it stopped trying.
 * Returns a function that stops it.
 */
export function followAlerts({ after, country, topic, minSeverity }, { onAlert, onWithdrawn, onClosed }) {
  const source = new EventSource(`/api/alerts/stream${query({ after, country, topic, minSeverity })}`);
  let state = "connecting";
  const setState = (next) => {
    if (state === next) return;
    if (state === "open") openStreams--;
    if (state === "failing") failingStreams--;
    state = next;
    if (state === "open") openStreams++;
    if (state === "failing") failingStreams++;
    notify();
  };
  source.addEventListener("open", () => setState("open"));
  source.addEventListener("error", () => {
    setState("failing");
    // The browser gives up on an answer that is not an event stream (e.g. 503 while the service restarts).
    if (source.readyState === EventSource.CLOSED) onClosed?.();
  });
  source.addEventListener("alert", (event) => onAlert(JSON.parse(event.data)));
  source.addEventListener("withdrawn", (event) => onWithdrawn?.(JSON.parse(event.data)));
  return () => {
    source.close();
    setState("closed");
  };
}

/** Runs load() now and every intervalMs until stop() is called; a load shows its own failure and is tried again next time. */
export function every(intervalMs, load) {
  let timer = null;
  let stopped = false;
  const run = async () => {
    try {
      await load();
    } catch (error) {
      console.error(error);
    } finally {
      if (!stopped) timer = setTimeout(run, intervalMs);
    }
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
