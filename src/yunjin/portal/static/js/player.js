// Playback for both portals: asks Yunjin for a signed URL, plays it with hls.js (or the
// browser's own HLS), recovers from errors, and reports what is on screen: viewing events for
// channels, the resume position for VOD.
import { ApiError } from "./api.js";
import { t } from "./i18n.js";

const HEARTBEAT_MS = 10000;
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 8000];
// A timeshift or start-over playlist grows at its end (EVENT) but must start where it begins.
const FROM_START = { live: false, timeshift: true, startover: true, catchup: true };

function newPlayId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function hevcSupported() {
  const probe = 'video/mp4; codecs="hvc1.1.6.L153.90"';
  return Boolean(window.MediaSource && MediaSource.isTypeSupported(probe));
}

export class Player {
  // hooks: onState(player) after every change; onError(message) for what the viewer must see.
  constructor(video, api, reporter, hooks = {}) {
    this.video = video;
    this.api = api;
    this.reporter = reporter;
    this.hooks = hooks;
    this.hls = null;
    this.current = null; // {channel, mode, start, duration, programmeStart, at, playId}
    this.pausedLiveAt = null;
    this.retries = 0;
    this.mediaRecoveries = 0;
    this.pin = null;
    this.stats = { zaps: [], firstFrames: [] };
    this.pendingZap = null;
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    video.addEventListener("pause", () => this.changed());
    video.addEventListener("playing", () => this.changed());
    // a seek moves the position: say so at once (a phone may be about to continue from it)
    video.addEventListener("seeked", () => this.report("heartbeat", this.current, true));
    video.addEventListener("ended", () => {
      if (this.mode === "news") return this.hooks.onEnded?.(this.current);
      if (this.mode !== "vod") return;
      this.saveResume(this.current, true);
      this.hooks.onEnded?.(this.current);
    });
  }

  get mode() {
    return this.current ? this.current.mode : null;
  }

  get paused() {
    return Boolean(this.current) && this.video.paused;
  }

  // Wall-clock time (UTC ms) of the frame on screen, from the playlist's program date-times.
  position() {
    if (this.hls && this.hls.playingDate) return this.hls.playingDate.getTime();
    const start = this.video.getStartDate ? this.video.getStartDate().getTime() : NaN;
    if (!Number.isNaN(start)) return start + this.video.currentTime * 1000;
    return null;
  }

  // Play `request`: {channel, mode, start?, duration?, programmeStart?, at?}.
  // `at` (UTC ms) is where to begin inside a catch-up, start-over or time-shift window.
  async play(request, { zapStartedAt = null } = {}) {
    const body = { channel: request.channel };
    if (request.mode !== "live") {
      body.start = request.start;
      if (request.duration) body.duration = request.duration;
    }
    if (this.pin) body.pin = this.pin;
    const previous = this.current;
    const answer = await this.api.post("/api/v1/play", body);
    if (previous) this.report("play_stop", previous, true);
    this.current = { ...request, playId: newPlayId(), url: answer.url };
    this.pausedLiveAt = null;
    this.pendingZap = zapStartedAt;
    this.attach(answer.url, this.offsetOf(request));
    const changedChannel = previous && previous.channel !== request.channel;
    this.report(changedChannel ? "channel_change" : "play_start", this.current, true);
    this.changed();
    return this.current;
  }

  // Play a movie or an episode: `request` is {title, season?, episode?, name?, at? (seconds)};
  // without `at` it starts where the household stopped (the server's resume point).
  async playVod(request) {
    const body = { title: request.title };
    if (request.season != null) body.season = request.season;
    if (request.episode != null) body.episode = request.episode;
    if (this.pin) body.pin = this.pin;
    const previous = this.current;
    const answer = await this.api.post("/api/v1/vod/play", body);
    if (previous) this.report("play_stop", previous, true);
    const at = request.at ?? answer.start_s ?? 0;
    this.current = {
      ...request, mode: "vod", at, asset: answer.asset, duration: answer.duration_s,
      uhd: answer.uhd, playId: newPlayId(), url: answer.url,
    };
    this.pausedLiveAt = null;
    this.pendingZap = null;
    this.attach(answer.url, at);
    this.changed();
    return this.current;
  }

  // Play a newsroom story's video: `request` is {zone, story, at? (seconds)}. Public media:
  // no package, no resume point kept, no viewing events (it is not a channel).
  async playNews(request) {
    const path = `/api/v1/zones/${encodeURIComponent(request.zone)}/stories/${encodeURIComponent(request.story)}/video`;
    const answer = await this.api.post(path);
    const previous = this.current;
    if (previous) this.report("play_stop", previous, true);
    this.current = {
      ...request, mode: "news", asset: answer.asset, duration: answer.duration_s,
      name: answer.title, playId: newPlayId(), url: answer.url,
    };
    this.pausedLiveAt = null;
    this.pendingZap = null;
    this.attach(answer.url, request.at ?? 0);
    this.changed();
    return this.current;
  }

  // Seconds into the movie, episode or news video on screen.
  mediaPosition() {
    return this.mode === "vod" || this.mode === "news" ? this.video.currentTime : null;
  }

  saveResume(playing, finished = false) {
    if (!playing || playing.mode !== "vod") return Promise.resolve();
    const position = playing === this.current ? this.video.currentTime : playing.at;
    if (!(position >= 0)) return Promise.resolve();
    return this.api
      .call("PUT", "/api/v1/vod/resume", { asset: playing.asset, position_s: position, finished })
      .catch((error) => console.warn("resume", error));
  }

  offsetOf(request) {
    if (!FROM_START[request.mode]) return -1;
    if (request.at == null) return 0;
    return Math.max(0, (request.at - request.start * 1000) / 1000);
  }

  attach(url, startPosition) {
    this.detach();
    this.retries = 0;
    this.mediaRecoveries = 0;
    const video = this.video;
    this.watchFirstFrame();
    if (window.Hls && window.Hls.isSupported()) {
      const hls = new window.Hls({
        startPosition,
        backBufferLength: 90,
        maxBufferLength: 30,
        liveSyncDurationCount: 3,
        startFragPrefetch: true,
        // rather wait on the network than skip to the live edge while time-shifted
        liveMaxLatencyDurationCount: Infinity,
        // tuning for measurements (bench/zap_time.py): hls.js options kept in this browser
        ...JSON.parse(localStorage.getItem("yunjin.hlsConfig") || "{}"),
      });
      this.hls = hls;
      hls.on(window.Hls.Events.MANIFEST_PARSED, (_, data) => this.chooseRendition(data));
      hls.on(window.Hls.Events.ERROR, (_, data) => this.recover(data));
      hls.on(window.Hls.Events.FRAG_BUFFERED, () => {
        this.retries = 0;
        this.hooks.onError?.(null);
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;
      if (startPosition > 0) {
        video.addEventListener("loadedmetadata", () => (video.currentTime = startPosition), {
          once: true,
        });
      }
    } else {
      this.hooks.onError?.(t("playbackFailed", { m: "HLS" }));
      return;
    }
    video.play().catch(() => {});
  }

  // Where the browser lacks HEVC, start on the best H.264 rendition (hls.js drops what it
  // cannot decode; this makes the choice explicit for ladders that offer both).
  chooseRendition(data) {
    const levels = data.levels || [];
    if (levels.length < 2 || hevcSupported()) return;
    let best = -1;
    levels.forEach((level, index) => {
      const codec = level.videoCodec || "";
      if (codec.startsWith("avc1") && (best < 0 || level.height > levels[best].height)) best = index;
    });
    if (best >= 0) {
      this.hls.startLevel = best;
      this.hls.autoLevelCapping = best;
    }
  }

  recover(data) {
    if (!data.fatal || !this.hls) return;
    const Hls = window.Hls;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && this.mediaRecoveries < 2) {
      this.mediaRecoveries += 1;
      if (this.mediaRecoveries === 2) this.hls.swapAudioCodec();
      this.hls.recoverMediaError();
      return;
    }
    const status = data.response && data.response.code;
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && ![403, 404, 409, 410].includes(status)) {
      if (this.retries < RETRY_DELAYS_MS.length) {
        this.hooks.onError?.(t("networkRetry"));
        const hls = this.hls;
        setTimeout(() => this.hls === hls && hls.startLoad(), RETRY_DELAYS_MS[this.retries++]);
        return;
      }
    }
    // refused (token expired, entitlement gone) or beyond repair: ask the gate again
    this.renew();
  }

  async renew() {
    if (!this.current) return;
    const request = { ...this.current };
    try {
      if (request.mode === "news") {
        request.at = this.video.currentTime || request.at;
        await this.playNews(request);
        return;
      }
      if (request.mode === "vod") {
        request.at = this.video.currentTime || request.at;
        await this.playVod(request);
        return;
      }
      if (request.mode !== "live") request.at = this.position() ?? request.at;
      await this.play(request);
    } catch (error) {
      this.stop();
      this.hooks.onError?.(error instanceof ApiError ? error.localized() : String(error));
    }
  }

  watchFirstFrame() {
    const video = this.video;
    const mark = () => {
      const now = performance.now();
      if (this.pendingZap != null) {
        this.stats.zaps.push(now - this.pendingZap);
        this.pendingZap = null;
      }
      this.stats.firstFrames.push({
        channel: this.current?.channel, title: this.current?.title, mode: this.mode,
        at: this.mode === "vod" ? this.video.currentTime : this.position(),
      });
      this.report("heartbeat", this.current, true);
      this.changed();
    };
    if (video.requestVideoFrameCallback) {
      const id = video.requestVideoFrameCallback(() => mark());
      this.cancelFrameWatch = () => video.cancelVideoFrameCallback(id);
    } else {
      video.addEventListener("playing", mark, { once: true });
      this.cancelFrameWatch = () => video.removeEventListener("playing", mark);
    }
  }

  detach() {
    this.cancelFrameWatch?.();
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    this.video.removeAttribute("src");
    this.video.load();
  }

  // Stop; resolves once a VOD position is saved (the title's page shows it next).
  stop() {
    let saved = Promise.resolve();
    if (this.current && this.mode !== "news") {
      saved = this.report("play_stop", this.current, true) || saved;
      this.api.post("/api/v1/play/stop", { channel: this.current.channel ?? "" }).catch(() => {});
    }
    this.current = null;
    this.pausedLiveAt = null;
    this.detach();
    this.changed();
    return saved;
  }

  // Pause; live is remembered by the wall-clock time of the frame, to resume behind live.
  pause() {
    if (!this.current || this.video.paused) return;
    if (this.mode === "live") this.pausedLiveAt = this.position() ?? Date.now();
    this.video.pause();
    this.report("heartbeat", this.current, true);
  }

  async resume() {
    if (!this.current) return;
    if (this.mode === "live" && this.pausedLiveAt != null) {
      // the live window has moved on: play the archive from the paused frame, growing to now
      const at = this.pausedLiveAt;
      const start = Math.floor(at / 1000);
      await this.play({ channel: this.current.channel, mode: "timeshift", start, at,
        programmeStart: this.current.programmeStart });
      return;
    }
    await this.video.play().catch(() => {});
    this.report("heartbeat", this.current, true);
  }

  togglePause() {
    return this.video.paused ? this.resume() : Promise.resolve(this.pause());
  }

  seekBy(seconds) {
    if (!this.current || this.mode === "live") return false;
    const video = this.video;
    const ranges = video.seekable;
    if (!ranges.length) return false;
    const target = Math.min(ranges.end(ranges.length - 1) - 1, Math.max(ranges.start(0), video.currentTime + seconds));
    video.currentTime = target;
    this.changed();
    return true;
  }

  goLive() {
    if (!this.current) return Promise.resolve();
    return this.play({ channel: this.current.channel, mode: "live", programmeStart: this.current.programmeStart });
  }

  behindLiveMs() {
    const position = this.position();
    return position == null ? null : Math.max(0, Date.now() - position);
  }

  // Before the first frame, the position is where the playback was asked to begin.
  expectedPosition(playing) {
    if (playing.mode === "live") return Date.now();
    return playing.at ?? playing.start * 1000;
  }

  report(kind, playing, urgent = false) {
    if (playing?.mode === "news") return;
    if (playing?.mode === "vod") return this.saveResume(playing, kind === "play_stop" && this.video.ended);
    if (!this.reporter || !playing) return;
    const position = (playing === this.current && this.position()) || this.expectedPosition(playing);
    this.reporter.report(
      {
        kind,
        play_id: playing.playId,
        channel: playing.channel,
        mode: playing.mode,
        position: Math.round(position),
        programme_start: playing.programmeStart ?? undefined,
        paused: this.video.paused,
      },
      urgent,
    );
  }

  beat() {
    if (this.mode === "vod" && !this.video.paused) this.saveResume(this.current);
    else if (this.current && this.position() != null) this.report("heartbeat", this.current);
  }

  changed() {
    this.hooks.onState?.(this);
  }
}
