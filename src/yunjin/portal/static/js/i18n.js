// Every string the portals show, in zh-CN and en. Server errors carry both languages already.
const STRINGS = {
  appName: ["云锦 IPTV", "Yunjin IPTV"],
  loginTitle: ["机顶盒登录", "Set-top box login"],
  phoneLoginTitle: ["账号登录", "Sign in"],
  mac: ["MAC 地址", "MAC address"],
  serial: ["序列号", "Serial number"],
  password: ["密码", "Password"],
  account: ["账号", "Account"],
  login: ["登录", "Log in"],
  logout: ["退出登录", "Log out"],
  loggingIn: ["正在登录…", "Logging in…"],
  liveNow: ["正在直播", "Live now"],
  continueWatching: ["继续观看", "Continue watching"],
  zonesAndServices: ["专区与服务", "Zones and services"],
  zoneNews: ["新闻", "News"],
  zoneGov: ["政务", "Government"],
  zoneServices: ["生活服务", "Services"],
  zoneNewsTile: ["县区新闻 · 视频 · 直播", "Local news · video · live"],
  zoneGovTile: ["政务公告 · 通知", "Government notices"],
  zoneServicesTile: ["医疗 · 交通 · 养老 · 教育", "Health · transport · care · schools"],
  zones: ["资讯", "Local"],
  zoneNone: ["暂无融媒体专区", "No media centre zones yet"],
  zoneNothing: ["暂无内容", "Nothing here yet"],
  zonePrefectures: ["市州专区", "Prefecture zones"],
  zoneSections: ["区县频道", "County sections"],
  zoneCount: ["{n} 条", "{n} items"],
  zoneRecommended: ["推荐", "Recommended"],
  zoneVideo: ["视频", "Video"],
  zonePlayVideo: ["播放视频", "Play the video"],
  zoneWatchLive: ["观看直播 {channel}", "Watch {channel} live"],
  zoneNoChannel: ["该直播频道暂不可用", "This live channel is not available"],
  zoneEventChannel: ["活动直播", "the event's own channel"],
  zoneWatchReplay: ["观看回放", "Watch the recording"],
  zoneLiveNow: ["直播中", "Live now"],
  zoneLiveLater: ["未开始", "Starts later"],
  zoneLiveEnded: ["已结束", "Ended"],
  zoneIssuingBody: ["发文机关", "Issued by"],
  zoneDocNumber: ["文号", "Document no."],
  zoneValidity: ["有效期", "Valid"],
  zoneValidOpen: ["起长期有效", "onwards, until further notice"],
  zoneValidRange: ["{from} 至 {to}", "{from} to {to}"],
  zoneCategory: ["类别", "Category"],
  zonePhone: ["电话", "Phone"],
  zoneAddress: ["地址", "Address"],
  zoneHours: ["办理时间", "Opening hours"],
  zoneLink: ["网址", "Website"],
  zoneChannel: ["频道", "Channel"],
  zoneWhen: ["时间", "When"],
  zoneState: ["状态", "Status"],
  zoneCall: ["拨打 {phone}", "Call {phone}"],
  zoneOpenLink: ["打开网址", "Open the website"],
  zoneScanService: ["扫码在手机上继续：一键拨号、打开网址", "Scan to continue on your phone: call or open the link there"],
  zonePage: ["第 {n}/{of} 页", "Page {n} of {of}"],
  zoneUp: ["上一级", "Up"],
  zoneComments: ["评论", "Comments"],
  zonePoll: ["投票", "Poll"],
  zoneTip: ["我要爆料", "Send a tip"],
  zoneTipHint: ["发给您所在区县的融媒体中心，编辑核实后可能采用。", "Goes to your county's media centre; its editors check it and may use it."],
  zoneTipText: ["发生了什么、在哪里、什么时间", "What happened, where and when"],
  zoneTipPhotos: ["照片（JPEG/PNG，最多 9 张）", "Photos (JPEG/PNG, up to 9)"],
  zoneTipVideo: ["视频（1 段）", "Video (one)"],
  zoneTipSent: ["已收到您的爆料（编号 {id}），谢谢！", "Your tip arrived (no. {id}). Thank you!"],
  zoneSending: ["正在发送…", "Sending…"],
  zoneSend: ["发送", "Send"],
  zoneCommentPending: ["评论已提交，审核通过后公开", "Sent: it shows once an editor approves it"],
  zoneCommentRejected: ["未通过审核", "Not approved"],
  zoneCommentWaiting: ["审核中", "Waiting for approval"],
  zoneNoComments: ["还没有评论", "No comments yet"],
  zoneVotes: ["{n} 票", "{n} votes"],
  zonePollUpcoming: ["投票尚未开始", "Voting has not opened yet"],
  zonePollClosed: ["投票已结束", "Voting has closed"],
  zonePollVoted: ["您已投票", "You voted"],
  kindNews: ["新闻", "News"],
  kindNotice: ["政务公告", "Notice"],
  kindService: ["便民服务", "Service"],
  kindLive: ["直播活动", "Live event"],
  category_medical: ["医疗卫生", "Health"],
  category_transport: ["交通出行", "Transport"],
  category_utilities: ["水电气", "Utilities"],
  category_education: ["教育", "Education"],
  category_elderly_care: ["养老", "Elderly care"],
  category_social_security: ["社保", "Social security"],
  category_employment: ["就业", "Jobs"],
  category_other: ["其他", "Other"],
  keysZones: ["方向键 选择 · 确定 打开 · 返回 上一级", "Arrows choose · OK opens · Back goes up"],
  keysStory: ["返回 列表", "Back to the list"],
  keysStoryAct: ["确定 播放 · 返回 列表", "OK plays · Back to the list"],
  keysStoryPages: ["↑↓ 翻页 · 返回 列表", "↑↓ turn the page · Back to the list"],
  keysStoryPagesAct: ["↑↓ 翻页 · 确定 播放 · 返回 列表", "↑↓ turn the page · OK plays · Back to the list"],
  keysNewsVideo: ["← → 快退/快进 · 确定 暂停/继续 · 返回 退出", "← → rewind/forward · OK pause/play · Back stops"],
  guide: ["节目单", "TV guide"],
  settings: ["设置", "Settings"],
  nothingToContinue: ["暂无未看完的节目", "Nothing to continue"],
  live: ["直播", "Live"],
  timeshift: ["时移", "Time-shift"],
  catchup: ["回看", "Catch-up"],
  startover: ["从头看", "Start over"],
  paused: ["已暂停", "Paused"],
  behindLive: ["落后直播 {t}", "{t} behind live"],
  now: ["正在播出", "Now"],
  next: ["下一个", "Next"],
  noProgramme: ["暂无节目信息", "No guide information"],
  channelList: ["频道列表", "Channels"],
  noSuchChannel: ["没有 {n} 号频道", "No channel {n}"],
  notYetAired: ["节目尚未播出", "Not yet on air"],
  notInArchive: ["该节目不在回看存档中", "This programme is not in the archive"],
  today: ["今天", "Today"],
  yesterday: ["昨天", "Yesterday"],
  tomorrow: ["明天", "Tomorrow"],
  language: ["语言", "Language"],
  languageName: ["中文", "English"],
  parentalPin: ["家长锁密码", "Parental PIN"],
  changePin: ["修改家长锁密码", "Change parental PIN"],
  oldPin: ["原密码", "Current PIN"],
  newPin: ["新密码（4 位数字）", "New PIN (4 digits)"],
  pinChanged: ["家长锁密码已修改", "Parental PIN changed"],
  enterPin: ["请输入家长锁密码", "Enter the parental PIN"],
  pinHint: ["数字键输入，确定键提交，返回键取消", "Digits to enter, OK to confirm, Back to cancel"],
  scanToPhone: ["扫码在手机上继续看", "Scan to continue on your phone"],
  keysLive: ["确定 频道列表 · 红 从头看 · 绿 节目单 · 空格 暂停", "OK channels · Red start over · Green guide · Space pause"],
  keysShifted: ["← → 快退/快进 · 空格 暂停/继续 · 黄 回到直播", "← → rewind/forward · Space pause/play · Yellow back to live"],
  keysCatchup: ["← → 快退/快进 · 空格 暂停/继续 · 返回 节目单", "← → rewind/forward · Space pause/play · Back to guide"],
  keysGuide: ["↑ 选择日期 · 确定 播放 · 红 从头看 · 返回", "↑ choose the day · OK play · Red start over · Back"],
  loading: ["加载中…", "Loading…"],
  networkRetry: ["网络中断，正在重连…", "Network lost, reconnecting…"],
  playbackFailed: ["播放失败：{m}", "Playback failed: {m}"],
  continueOnPhone: ["正在接续电视上的节目…", "Picking up from the TV…"],
  channels: ["频道", "Channels"],
  back: ["返回", "Back"],
  goLive: ["回到直播", "Back to live"],
  pause: ["暂停", "Pause"],
  play: ["播放", "Play"],
  rewind: ["后退 30 秒", "Back 30 s"],
  forward: ["前进 30 秒", "Forward 30 s"],
  uhd: ["4K", "4K"],
  vod: ["点播", "Movies & series"],
  vodTile: ["电影 · 剧集 · 4K", "Films · series · 4K"],
  vodSearch: ["搜索", "Search"],
  vodSearchHint: ["输入拼音首字母，如 XWLB", "Type pinyin initials, e.g. XWLB"],
  vodSearchAndContinue: ["搜索与继续观看", "Search and continue watching"],
  vodNothing: ["暂无可播放的影片", "Nothing to play yet"],
  vodNoMatch: ["没有找到匹配的影片", "No title matches"],
  vodResumeAt: ["从 {t} 继续播放", "Resume from {t}"],
  vodFromStart: ["从头播放", "Play from the start"],
  vodEpisodeShort: ["第{s}季 第{e}集", "S{s} E{e}"],
  keysVodSearch: ["方向键选字母 · 确定 输入 · → 结果 · 返回", "Arrows pick a letter · OK types it · → results · Back"],
  keysVod: ["← → 快退/快进 · 确定 暂停/继续 · 返回 退出并记住位置", "← → rewind/forward · OK pause/play · Back stops and remembers where"],
};

const KEY = "yunjin.lang";

export function language() {
  const chosen = localStorage.getItem(KEY);
  if (chosen === "zh-CN" || chosen === "en") return chosen;
  // a portal may name its own default (the TV portal: Chinese, whatever the browser says)
  const preset = document.documentElement.dataset.defaultLang;
  if (preset === "zh-CN" || preset === "en") return preset;
  return (navigator.language || "zh-CN").toLowerCase().startsWith("en") ? "en" : "zh-CN";
}

export function setLanguage(lang) {
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
}

export function t(key, values = {}) {
  const pair = STRINGS[key];
  if (!pair) return key;
  const text = pair[language() === "en" ? 1 : 0];
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

// A programme or channel name in the chosen language, from {"zh-CN": …, "en": …} or {zh:…, en:…}.
export function pick(names, fallback = "") {
  if (!names) return fallback;
  const lang = language();
  const short = lang === "en" ? "en" : "zh";
  return names[lang] || names[short] || names["zh-CN"] || names.zh || names.en || names[""] || fallback;
}

// Translate every element carrying data-t="key".
export function translate(root = document) {
  document.documentElement.lang = language();
  for (const element of root.querySelectorAll("[data-t]")) element.textContent = t(element.dataset.t);
}
