// Talking to Yunjin: the session token, the language, and errors with both languages.
import { language } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_" + status;
    this.messages = error.messages || {};
    this.details = error;
  }

  // The message in the portal's language, as the server wrote it.
  localized() {
    return this.messages[language()] || this.message;
  }
}

export class Api {
  constructor(storageKey) {
    this.storageKey = storageKey;
    this.session = localStorage.getItem(storageKey);
  }

  remember(session) {
    this.session = session;
    if (session) localStorage.setItem(this.storageKey, session);
    else localStorage.removeItem(this.storageKey);
  }

  async call(method, path, body, { keepalive = false } = {}) {
    const headers = { "Accept-Language": language() };
    if (this.session) headers.Authorization = `Bearer ${this.session}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      keepalive,
    });
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed;
  }

  get(path) {
    return this.call("GET", path);
  }

  post(path, body = {}, options = {}) {
    return this.call("POST", path, body, options);
  }

  // The EPG grid of every channel: `hours` from `startS` (UTC seconds).
  guide(startS, hours = 3) {
    return this.get(`/api/v1/portal/guide?start=${Math.floor(startS)}&hours=${hours}`);
  }
}

// Viewing events go out in batches: at once for starts and stops, with heartbeats otherwise.
export class EventReporter {
  constructor(api, portal) {
    this.api = api;
    this.portal = portal;
    this.queue = [];
    this.timer = null;
    this.sent = 0;
    addEventListener("pagehide", () => this.flush(true));
  }

  report(event, urgent = false) {
    this.queue.push({ at: Date.now(), ...event });
    if (urgent) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), 5000);
  }

  async flush(leaving = false) {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.queue.length || !this.api.session) return;
    const events = this.queue.splice(0, 100);
    try {
      await this.api.post("/api/v1/events", { portal: this.portal, events }, { keepalive: leaving });
      this.sent += events.length;
    } catch (error) {
      // a refused batch is dropped (the server says why); a network error is retried later
      if (!(error instanceof ApiError)) this.queue.unshift(...events);
      console.warn("events", error);
    }
    if (this.queue.length && !this.timer) this.timer = setTimeout(() => this.flush(), 5000);
  }
}
