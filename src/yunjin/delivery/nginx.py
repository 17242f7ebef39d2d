"""An nginx edge that verifies Yunjin's tokens with stock ``secure_link`` (pure rendering).

Segments are served by nginx straight from the archive, and VOD segments, init segments and
pictures straight from the published media; playlists and keys are passed to the app, which
renders them (and verifies the token and its scope again, with the viewer's address from
X-Real-IP). A VOD token without ``.uhd`` in its scope opens no rendition above 1080p, at the
edge as in the app.

A channel token's scope (:mod:`yunjin.delivery.scopes`) bounds the segments it opens by their
start, ``from_ms <= start < to_ms``.  Stock nginx has no arithmetic, but both sides are 13
digits, and for numbers written with as many digits "less than" is a question a regular
expression with a back-reference answers: the same prefix, then a smaller digit
(:func:`less_than`; ADR 0029).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yunjin.vod.master import RUNG, UHD_RUNG

CHANNEL = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
SEGMENT = r"\d{8}/\d{2}/(?<sstart>\d{13})_\d{1,9}_\d{1,19}_\d{1,19}\.ts"
LEASE = r"(?<lease>(?:/l/\d{1,12}\.[A-Za-z0-9.:_-]{1,64})?)"  # signed with the token
SCOPE = (
    r"(?<scope>(?:live|ts[1-9]\d{0,6}|win(?:[1-9]\d{0,6})?)-(?<sfrom>\d{13})-(?<sto>\d{13}|now))"
)
PREFIX = (
    r"^/(?<binding>ti?)/(?<token>[A-Za-z0-9_-]{22})/(?<expires>\d{1,12})"
    rf"{LEASE}/s/{SCOPE}/hls/(?<channel>{CHANNEL})/"
)
SIGNED_SEGMENT = rf"{PREFIX}(?<segment>{SEGMENT})$"
SIGNED = rf"{PREFIX}(keys/)?[^/]+$"  # playlists and keys go to the app
VOD_PREFIX = (
    r"^/(?<binding>ti?)/(?<token>[A-Za-z0-9_-]{22})/(?<expires>\d{1,12})"
    rf"{LEASE}/vod/(?<asset>[a-z0-9][a-z0-9_-]{{0,31}})(?<uhd>(?:\.uhd)?)/"
)
VOD_MEDIA = (
    rf"{VOD_PREFIX}(?<file>(?<rung>{RUNG})/[A-Za-z0-9_-]{{1,64}}\.(?:ts|m4s|mp4)"
    r"|(?:poster|sprite)\.jpg|sprite\.vtt)$"
)
VOD_PLAYLIST = rf"{VOD_PREFIX}(?:{RUNG}/)?[A-Za-z0-9_-]{{1,64}}\.m3u8$"  # to the app


def less_than() -> str:
    """A regular expression matching ``"{a}:{b}"`` exactly when ``a < b``, for ``a`` and ``b``
    written with as many digits: a common prefix, then a smaller digit in ``a``.  Python's and
    nginx's (PCRE's) engines read it alike."""
    smaller = "|".join(f"{d}\\d*:(?P=same){_above(d)}" for d in range(9))
    return rf"(?P<same>\d*)(?:{smaller})\d*"


def _above(digit: int) -> str:
    return f"[{digit + 1}-9]" if digit < 8 else "9"


def _in_scope() -> list[str]:
    """nginx lines refusing a segment that starts outside its token's scope (403); the
    location's pattern captured all three moments with 13 digits."""
    at_least = rf"^(?:(?P<equal>\d+):(?P=equal)|{less_than()})$"  # from <= start
    below = rf"^(?:\d+:now|{less_than()})$"  # start < to, or no end
    return [
        'set $from_start "$sfrom:$sstart";',
        f'if ($from_start !~ "{at_least}") {{ return 403; }}',
        'set $start_to "$sstart:$sto";',
        f'if ($start_to !~ "{below}") {{ return 403; }}',
    ]


@dataclass(frozen=True, slots=True)
class EdgeConfig:
    listen: str  # "127.0.0.1:8080" or "8080"
    upstream: str  # the app, "http://127.0.0.1:8000"
    archive_dir: Path
    secret: str
    runtime_dir: Path  # pid, logs and temp files
    worker_user: str = "www-data"  # never root: workers read the archive, nothing more
    vod_media_dir: Path | None = None  # published VOD ({data_dir}/vod/media); None: no VOD


def _checked(text: str) -> str:
    if not text or any(c in text for c in '"\\\n\r;{}$ '):
        raise ValueError(
            "the token secret must be non-empty, without spaces, quotes, "
            "backslashes, ';', '{', '}', '$' or line breaks (nginx would read them)"
        )
    return text


def _checks(secret: str, resource: str, *after: str) -> str:
    """Verify the token for ``resource`` (nginx variables), then the lines ``after``."""
    return "\n".join(
        "            " + line
        for line in (
            'set $bound "";',
            'if ($binding = "ti") { set $bound $remote_addr; }',
            "secure_link $token,$expires;",
            f'secure_link_md5 "$expires$lease/{resource}/$bound {secret}";',
            'if ($secure_link = "") { return 403; }',
            'if ($secure_link = "0") { return 410; }',
            *after,
        )
    )


def _vod_locations(media: Path, secret: str) -> str:
    checks = _checks(secret, "vod/$asset$uhd")
    # a 4K rendition under a scope without ".uhd": refused after the token, as the app does
    uhd_only = _checks(
        secret,
        "vod/$asset$uhd",
        'set $tier "$uhd:$rung";',
        f'if ($tier ~ "^:{UHD_RUNG}$") {{ return 403; }}',
    )
    return f"""
        # VOD segments, init segments and pictures: straight from the published media
        location ~ "{VOD_MEDIA}" {{
{uhd_only}
            alias {str(media).rstrip("/")}/$asset/$file;
            add_header Cache-Control "max-age=86400";
        }}

        # VOD playlists: filtered per viewer by the app, which checks the token again
        location ~ "{VOD_PLAYLIST}" {{
{checks}
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header Host $http_host;
            proxy_pass http://yunjin_app;
        }}
"""


def render_nginx_config(edge: EdgeConfig) -> str:
    archive = str(edge.archive_dir).rstrip("/")
    run = str(edge.runtime_dir).rstrip("/")
    secret = _checked(edge.secret)
    checks = _checks(secret, "s/$scope/hls/$channel")
    segment_checks = _checks(secret, "s/$scope/hls/$channel", *_in_scope())
    vod = "" if edge.vod_media_dir is None else _vod_locations(edge.vod_media_dir, secret)
    return f"""# Written by `yunjin nginx-config`: a Yunjin delivery edge.
# /t/{{token}}/{{expires}}/s/{{scope}}/hls/{{channel}}/…   any address
# /ti/{{token}}/{{expires}}/s/{{scope}}/hls/{{channel}}/…  bound to the viewer's address
# either of them with /l/{{lease}} after {{expires}}: a household's leased playback
# scope: live-{{from}}-now, ts{{depth}}-{{from}}-now, win-{{from}}-{{to|now}} (UTC ms);
# a segment starting outside [from, to) → 403
# /t/{{token}}/{{expires}}[/l/{{lease}}]/vod/{{asset}}[.uhd]/…  a VOD asset (.uhd: with 4K)
# valid → 200, expired → 410, forged / another channel / another address → 403
user {edge.worker_user};
worker_processes auto;
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log warn;

events {{ worker_connections 4096; }}

http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    types {{
        application/vnd.apple.mpegurl m3u8;
        video/mp2t ts;
        video/mp4 mp4 m4s;
        image/jpeg jpg;
        text/vtt vtt;
    }}

    upstream yunjin_app {{ server {edge.upstream.removeprefix("http://").rstrip("/")}; }}

    server {{
        listen {edge.listen};

        # segments inside the token's scope: straight from the archive
        location ~ "{SIGNED_SEGMENT}" {{
{segment_checks}
            alias {archive}/$channel/$segment;
            add_header Cache-Control "max-age=86400";
        }}

        # playlists: rendered by the app, which checks the token again
        location ~ "{SIGNED}" {{
{checks}
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header Host $http_host;
            proxy_pass http://yunjin_app;
        }}
{vod}
        location / {{ return 404; }}
    }}
}}
"""
