// The phone portal's 资讯 tab: the same zones as on TV (front page → prefecture zones →
// county sections), the stories by type, a story with its facts, its video in the page's
// player, a service's number to call and link to open, a live event's channel. A story opens
// from a link too (#story=zone/id: the TV's QR code). The household comments, votes in a
// story's poll and sends a tip (爆料) with photos and a video to its county's centre.
import { ApiError } from "./api.js";
import { t, pick, language } from "./i18n.js";
import { clock, dayLabel } from "./time.js";
import {
  GROUPS, GROUP_ORDER, bodyNodes, categoryLabel, eventChannelName, frontPage, kindLabel, liveState,
  placesOf, storiesIn, validity, watchLabel, zonePage, zoneStory,
} from "./zones-shared.js";

// ctx: {$, el, api, player, say(message), errorText, playLive(channelId, story) → bool,
//       channelName(id)}; playLive plays a live event's own temporary channel from its story
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
    if (story.kind === "live_event") return `${eventChannelName(d, channelName)} · ${t(liveState(d))}`;
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
      const label = watchLabel(d, channelName);
      actions.append(button(label, "live", () => playLive(d.channel, story) || say(t("zoneNoChannel"))));
    }
    if (d.phone) actions.append(link(t("zoneCall", { phone: d.phone }), `tel:${d.phone}`, false));
    if (d.link) actions.append(link(t("zoneOpenLink"), d.link, true));
    const body = $("mz-body");
    body.replaceChildren();
    if (story.summary) body.append(el("p", "lead", story.summary));
    body.append(bodyNodes(story.body_html));
    $("zone-story").hidden = false;
    loadComments(id);
    loadPoll(id);
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
      return [["zoneChannel", eventChannelName(d, channelName)], ["zoneWhen", when], ["zoneState", t(liveState(d))]];
    }
    return [];
  }

  // ---------- comments, the poll ----------

  async function loadComments(id) {
    const list = $("mz-comment-list");
    list.replaceChildren();
    let answer;
    try {
      answer = await api.get(`/api/v1/stories/${encodeURIComponent(id)}/comments`);
    } catch (error) {
      $("mz-comments").hidden = true; // a story that takes no comments
      return;
    }
    if (state.story?.id !== id) return;
    $("mz-comments").hidden = false;
    const waiting = (answer.mine || []).filter((c) => c.state !== "published");
    for (const comment of [...answer.comments, ...waiting]) {
      const row = el("li");
      const main = el("div", "main");
      const note = { pending: "zoneCommentWaiting", rejected: "zoneCommentRejected" }[comment.state];
      main.append(el("span", "sub", [comment.author, note ? t(note) : ""].filter(Boolean).join(" · ")));
      main.append(el("span", null, comment.text));
      row.append(main);
      row.dataset.comment = comment.id;
      list.append(row);
    }
    if (!list.children.length) list.append(el("li", "sub", t("zoneNoComments")));
  }

  async function sendComment(event) {
    event.preventDefault();
    const id = state.story?.id;
    const text = $("mz-comment-text").value.trim();
    if (!id || !text) return;
    try {
      const made = await api.post(`/api/v1/stories/${encodeURIComponent(id)}/comments`, { text });
      $("mz-comment-text").value = "";
      $("mz-comment-note").textContent = made.state === "pending" ? t("zoneCommentPending") : "";
      await loadComments(id);
    } catch (error) {
      $("mz-comment-note").textContent = errorText(error);
    }
  }

  async function loadPoll(id) {
    $("mz-poll").hidden = true;
    try {
      const answer = await api.get(`/api/v1/stories/${encodeURIComponent(id)}/poll`);
      if (state.story?.id === id && answer.poll) showPoll(answer.poll);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) say(errorText(error));
    }
  }

  function showPoll(poll) {
    $("mz-poll").hidden = false;
    $("mz-poll-question").textContent = poll.question;
    const box = $("mz-poll-options");
    box.replaceChildren();
    const results = poll.results;
    for (const option of poll.options) {
      const choice = el("button", null, option.label);
      choice.type = "button";
      choice.dataset.option = option.id;
      choice.disabled = poll.state !== "open" || poll.voted != null;
      if (poll.voted === option.id) choice.classList.add("mine");
      if (results) {
        const votes = results.votes[String(option.id)] || 0;
        choice.append(el("span", "sub", t("zoneVotes", { n: votes })));
        const meter = el("div", "meter");
        const fill = el("i");
        fill.style.width = `${results.total ? (100 * votes) / results.total : 0}%`;
        meter.append(fill);
        choice.append(meter);
      }
      choice.addEventListener("click", () => vote(poll.story, option.id));
      box.append(choice);
    }
    const note = poll.voted != null ? "zonePollVoted" : { upcoming: "zonePollUpcoming", closed: "zonePollClosed" }[poll.state];
    $("mz-poll-note").textContent = note ? t(note) : "";
  }

  async function vote(story, option) {
    try {
      const answer = await api.post(`/api/v1/stories/${encodeURIComponent(story)}/poll/votes`, { option });
      showPoll(answer.poll);
    } catch (error) {
      $("mz-poll-note").textContent = errorText(error);
    }
  }

  // ---------- a tip (爆料): text, photos and a video, to the household's county ----------

  async function sendTip(event) {
    event.preventDefault();
    const form = new FormData();
    form.append("text", $("tip-text").value);
    for (const photo of $("tip-photos").files) form.append("photos", photo);
    if ($("tip-video").files[0]) form.append("video", $("tip-video").files[0]);
    $("tip-note").textContent = t("zoneSending");
    $("tip-send").disabled = true;
    try {
      const response = await fetch("/api/v1/tips", {
        method: "POST",
        headers: { Authorization: `Bearer ${api.session}`, "Accept-Language": language() },
        body: form,
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new ApiError(response.status, body);
      $("tip-form").reset();
      $("tip-note").textContent = t("zoneTipSent", { id: body.id });
    } catch (error) {
      $("tip-note").textContent = errorText(error);
    } finally {
      $("tip-send").disabled = false;
    }
  }

  $("mz-comment-form").addEventListener("submit", sendComment);
  $("tip-form").addEventListener("submit", sendTip);
  $("zone-tip").addEventListener("click", () => {
    $("tip-form").hidden = false;
    $("tip-note").textContent = "";
    $("tip-form").scrollIntoView({ block: "start" });
  });
  $("tip-cancel").addEventListener("click", () => ($("tip-form").hidden = true));

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
