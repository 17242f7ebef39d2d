// The phone portal's 资讯 tab: the same zones as on TV (front page → prefecture zones →
// county sections), the stories by type, a story with its facts, its video in the page's
// player, a service's number to call and link to open, a live event's channel. A story opens
// from a link too (#story=zone/id: the TV's QR code).
import { t, pick } from "./i18n.js";
import { clock, dayLabel } from "./time.js";
import {
  GROUPS, GROUP_ORDER, bodyNodes, categoryLabel, frontPage, kindLabel, liveState, placesOf,
  storiesIn, validity, zonePage, zoneStory,
} from "./zones-shared.js";

// ctx: {$, el, api, player, say(message), errorText, playLive(channelId) → bool, channelName(id)}
export function createPhoneZones(ctx) {
  const { $, el, api, player, say, errorText, playLive, channelName } = ctx;
  const state = { trail: [], group: "news", story: null };

  function chip(label, selected, onTap) {
    const button = el("button", "chip", label);
    button.type = "button";
    if (selected) button.classList.add("selected");
    button.addEventListener("click", onTap);
    return button;
  }

  async function enter(code, { replace = false } = {}) {
    try {
      const data = await zonePage(api, code);
      if (replace) state.trail = [];
      state.trail.push({ code, data });
      closeStory();
      render();
    } catch (error) {
      say(errorText(error));
    }
  }

  // Up to a page already walked through.
  function upTo(index) {
    state.trail = state.trail.slice(0, index + 1);
    closeStory();
    render();
  }

  function render() {
    const here = state.trail.at(-1);
    if (!here) return;
    const trail = $("zones-trail");
    trail.replaceChildren();
    state.trail.forEach((visited, index) => {
      const button = chip(pick(visited.data.name), index === state.trail.length - 1, () => upTo(index));
      button.dataset.code = visited.code;
      trail.append(button);
    });
    const groups = $("zones-groups");
    groups.replaceChildren();
    for (const group of GROUP_ORDER) {
      const button = chip(t(GROUPS[group].key), group === state.group, () => {
        state.group = group;
        closeStory();
        render();
      });
      button.dataset.group = group;
      groups.append(button);
    }
    const places = $("zones-places");
    places.replaceChildren();
    for (const place of placesOf(here.data)) {
      const button = chip(pick(place.name), false, () => enter(place.code));
      button.dataset.code = place.code;
      places.append(button);
    }
    places.hidden = !places.children.length;
    const list = $("zones-list");
    list.replaceChildren();
    const items = storiesIn(here.data, state.group);
    if (!items.length) list.append(el("li", "sub", t("zoneNothing")));
    for (const story of items) {
      const row = el("li");
      const main = el("div", "main");
      main.append(el("span", null, story.title), el("span", "sub", line(story)));
      row.append(el("span", `badge kind-${story.kind}`, kindLabel(story)), main);
      row.dataset.story = story.id;
      row.addEventListener("click", () => openStory(here.code, story.id, pick(story.from?.name)));
      list.append(row);
    }
  }

  function line(story) {
    const d = story.details || {};
    if (story.kind === "notice") return [d.issuing_body, d.document_number].filter(Boolean).join(" · ");
    if (story.kind === "service") return [categoryLabel(d.category), d.phone || d.address].filter(Boolean).join(" · ");
    if (story.kind === "live_event") return `${channelName(d.channel)} · ${t(liveState(d))}`;
    const parts = [pick(story.from?.name), dayLabel(story.published_at * 1000)];
    if (story.video_asset) parts.push(`▶ ${t("zoneVideo")}`);
    if (story.recommended) parts.push(t("zoneRecommended"));
    return parts.filter(Boolean).join(" · ");
  }

  async function openStory(zone, id, from = "") {
    let story;
    try {
      story = await zoneStory(api, zone, id);
    } catch (error) {
      say(errorText(error));
      return;
    }
    state.story = { zone, id, data: story };
    const d = story.details || {};
    $("mz-kind").textContent = kindLabel(story);
    $("mz-kind").className = `badge kind-${story.kind}`;
    const when = story.published_at ? `${dayLabel(story.published_at * 1000)} ${clock(story.published_at * 1000)}` : "";
    $("mz-meta").textContent = [from, when].filter(Boolean).join(" · ");
    $("mz-title").textContent = story.title;
    const facts = $("mz-facts");
    facts.replaceChildren();
    for (const [key, value] of factsOf(story, d)) {
      if (value) facts.append(el("dt", null, t(key)), el("dd", null, value));
    }
    const actions = $("mz-actions");
    actions.replaceChildren();
    if (story.kind === "news" && story.video_asset) {
      actions.append(button(`▶ ${t("zonePlayVideo")}`, "video", () => playVideo(zone, id)));
    }
    if (story.kind === "live_event") {
      const label = `▶ ${t("zoneWatchLive", { channel: channelName(d.channel) })}`;
      actions.append(button(label, "live", () => playLive(d.channel) || say(t("zoneNoChannel"))));
    }
    if (d.phone) actions.append(link(t("zoneCall", { phone: d.phone }), `tel:${d.phone}`, false));
    if (d.link) actions.append(link(t("zoneOpenLink"), d.link, true));
    const body = $("mz-body");
    body.replaceChildren();
    if (story.summary) body.append(el("p", "lead", story.summary));
    body.append(bodyNodes(story.body_html));
    extras(story);
    $("zone-story").hidden = false;
    $("zones-list").hidden = true;
    $("zone-story").scrollIntoView({ block: "start" });
  }

  function factsOf(story, d) {
    if (story.kind === "notice") {
      return [["zoneIssuingBody", d.issuing_body], ["zoneDocNumber", d.document_number], ["zoneValidity", validity(d)]];
    }
    if (story.kind === "service") {
      return [["zoneCategory", categoryLabel(d.category)], ["zoneAddress", d.address], ["zoneHours", d.opening_hours]];
    }
    if (story.kind === "live_event") {
      const when = `${dayLabel(d.starts_at * 1000)} ${clock(d.starts_at * 1000)}–${clock(d.ends_at * 1000)}`;
      return [["zoneChannel", channelName(d.channel)], ["zoneWhen", when], ["zoneState", t(liveState(d))]];
    }
    return [];
  }

  // Comments and a poll show when the story's page brings them (the interaction slice).
  function extras(story) {
    const comments = Array.isArray(story.comments) ? story.comments : [];
    $("mz-comments").hidden = !comments.length;
    const list = $("mz-comment-list");
    list.replaceChildren();
    for (const comment of comments) {
      const row = el("li");
      const main = el("div", "main");
      main.append(el("span", "sub", comment.author || ""), el("span", null, comment.text || comment.body || ""));
      row.append(main);
      list.append(row);
    }
    const poll = story.poll;
    $("mz-poll").hidden = !poll;
    const options = $("mz-poll-options");
    options.replaceChildren();
    if (poll) {
      $("mz-poll-question").textContent = poll.question || "";
      for (const option of poll.options || []) {
        const votes = option.votes != null ? ` · ${option.votes}` : "";
        options.append(el("li", null, `${pick(option.label, option.text || "")}${votes}`));
      }
    }
  }

  function button(label, action, onTap) {
    const made = el("button", "action", label);
    made.type = "button";
    made.dataset.action = action;
    made.addEventListener("click", onTap);
    return made;
  }

  function link(label, href, external) {
    const made = el("a", "action", label);
    made.href = href;
    if (external) {
      made.target = "_blank";
      made.rel = "noopener noreferrer nofollow";
    }
    return made;
  }

  async function playVideo(zone, id) {
    say("");
    try {
      await player.playNews({ zone, story: id, title: state.story?.data.title });
      scrollTo({ top: 0, behavior: "smooth" });
    } catch (error) {
      say(errorText(error));
    }
  }

  function closeStory() {
    state.story = null;
    $("zone-story").hidden = true;
    $("zones-list").hidden = false;
  }

  return {
    async show() {
      if (!state.trail.length) {
        try {
          await enter(await frontPage(api), { replace: true });
        } catch (error) {
          say(errorText(error));
        }
      } else render();
    },
    // A story from a link (#story=510104/12): its page, then the story over it.
    async openLink(zone, id) {
      await enter(zone, { replace: true });
      await openStory(zone, id);
    },
    close: closeStory,
    refresh: () => {
      render();
      if (state.story) openStory(state.story.zone, state.story.id);
    },
  };
}
