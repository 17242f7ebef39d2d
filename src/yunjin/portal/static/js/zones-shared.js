// What both portals need of the media centres' zone pages: the pages themselves, the stories
// of a page by type, labels, dates, and a story's body as DOM nodes from an allow-list.
import { t, pick } from "./i18n.js";

// The home screen's three zone tiles, and the story types each shows.
export const GROUPS = {
  news: { key: "zoneNews", kinds: ["news", "live_event"] },
  gov: { key: "zoneGov", kinds: ["notice"] },
  services: { key: "zoneServices", kinds: ["service"] },
};
export const GROUP_ORDER = ["news", "gov", "services"];

const KIND_KEYS = { news: "kindNews", notice: "kindNotice", service: "kindService", live_event: "kindLive" };

export function kindLabel(story) {
  return KIND_KEYS[story.kind] ? t(KIND_KEYS[story.kind]) : pick(story.kind_label, story.kind);
}

export function categoryLabel(category) {
  const key = `category_${category}`;
  const text = t(key);
  return text === key ? category : text;
}

export async function frontPage(api) {
  const answer = await api.get("/api/v1/zones");
  const first = answer.front_pages[0];
  if (!first) throw new Error(t("zoneNone"));
  return first.code;
}

export function zonePage(api, code) {
  return api.get(`/api/v1/zones/${encodeURIComponent(code)}`);
}

export function zoneStory(api, code, id) {
  return api.get(`/api/v1/zones/${encodeURIComponent(code)}/stories/${encodeURIComponent(id)}`);
}

// The places one level down: a front page's prefecture zones, a zone's county sections.
export function placesOf(page) {
  return page.zones || page.sections || [];
}

// Every story a page shows (its front, then what its zones or sections show), newest first,
// each once, with the centre it comes from.
export function storiesOf(page) {
  const seen = new Map();
  const add = (story, from) => {
    if (!seen.has(story.id)) seen.set(story.id, { ...story, from });
  };
  for (const story of page.stories || []) add(story, page);
  for (const story of page.front || []) add(story, page);
  for (const place of placesOf(page)) for (const story of place.stories || []) add(story, place);
  return [...seen.values()].sort((a, b) => (b.published_at || 0) - (a.published_at || 0) || b.id - a.id);
}

export function storiesIn(page, group) {
  const kinds = GROUPS[group].kinds;
  return storiesOf(page).filter((story) => kinds.includes(story.kind));
}

// Validity days are ISO dates (YYYY-MM-DD), as the issuing body wrote them.
export function validity(details) {
  if (!details.valid_from) return "";
  if (!details.valid_to) return `${details.valid_from} ${t("zoneValidOpen")}`;
  return t("zoneValidRange", { from: details.valid_from, to: details.valid_to });
}

// A live event on a temporary channel of its own (details.temporary, ADR 0025) is in no
// lineup and no guide: the portals know it from its story — its title, and one programme,
// the event itself. It plays live while on, and afterwards its recording from the start.
export function eventChannel(story) {
  const d = story.details;
  const programme = { channel: d.channel, start: d.starts_at, stop: d.ends_at, title: story.title };
  const name = { "zh-CN": story.title, en: story.title };
  return { id: d.channel, number: "", name, programmes: [programme], catchup_days: 7 };
}

export function eventRequest(details, now = Date.now()) {
  const request = { channel: details.channel, programmeStart: details.starts_at * 1000 };
  if (now < details.ends_at * 1000) return { ...request, mode: "live" };
  return { ...request, mode: "catchup", start: details.starts_at, duration: details.ends_at - details.starts_at };
}

// What a live event's channel is called: a lineup channel by its number and name.
export function eventChannelName(details, channelName) {
  return details.temporary ? t("zoneEventChannel") : channelName(details.channel);
}

// The button's words: a temporary channel's event that has ended plays its recording.
export function watchLabel(details, channelName) {
  const ended = details.temporary && liveState(details) === "zoneLiveEnded";
  return `▶ ${t(ended ? "zoneWatchReplay" : "zoneWatchLive", { channel: eventChannelName(details, channelName) })}`;
}

export function liveState(details, now = Date.now()) {
  if (now < details.starts_at * 1000) return "zoneLiveLater";
  if (now >= details.ends_at * 1000) return "zoneLiveEnded";
  return "zoneLiveNow";
}

// Body HTML was sanitised by the server (nh3) when it was written; it is rebuilt here from
// the same short allow-list all the same, so nothing else can reach the page.
const TAGS = new Set([
  "P", "BR", "STRONG", "EM", "B", "I", "U", "S", "SUB", "SUP", "H2", "H3", "H4", "BLOCKQUOTE",
  "UL", "OL", "LI", "A", "IMG", "FIGURE", "FIGCAPTION", "HR", "TABLE", "THEAD", "TBODY", "TR",
  "TH", "TD", "SPAN",
]);
const ATTRIBUTES = { A: ["href", "title"], IMG: ["src", "alt", "title", "width", "height"], TD: ["colspan", "rowspan"], TH: ["colspan", "rowspan"] };
const SAFE_URL = /^(https?:|mailto:|tel:|\/(?!\/))/i;

export function bodyNodes(html, { links = true } = {}) {
  const parsed = new DOMParser().parseFromString(`<body>${html || ""}</body>`, "text/html");
  const fragment = document.createDocumentFragment();
  const copy = (source, target) => {
    for (const node of source.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) target.append(node.textContent);
      else if (node.nodeType !== Node.ELEMENT_NODE) continue;
      else if (!TAGS.has(node.tagName)) copy(node, target); // keep the text, drop the tag
      else {
        const tag = node.tagName === "A" && !links ? "SPAN" : node.tagName;
        const made = document.createElement(tag);
        for (const name of ATTRIBUTES[tag] || []) {
          const value = node.getAttribute(name);
          if (value == null) continue;
          if ((name === "href" || name === "src") && !SAFE_URL.test(value.trim())) continue;
          made.setAttribute(name, value);
        }
        if (tag === "A") {
          made.rel = "noopener noreferrer nofollow";
          made.target = "_blank";
        }
        copy(node, made);
        target.append(made);
      }
    }
  };
  copy(parsed.body, fragment);
  return fragment;
}
