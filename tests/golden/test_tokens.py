"""Golden signed URL shapes: the prefixes :func:`sign` and :func:`sign_vod` make for fixed
inputs, one per line. An nginx edge computes the same tokens (``secure_link_md5``), so a
change here is a change every deployed edge must follow. Each prefix is read back by
:func:`verify` / :func:`verify_vod` as the app reads a request's path."""

from __future__ import annotations

from typing import Final

from tests.golden.compare import Golden
from yunjin.delivery.scopes import ChannelScope
from yunjin.delivery.tokens import (
    Binding,
    SignedPrefix,
    Verdict,
    VodScope,
    sign,
    sign_vod,
    verify,
    verify_vod,
)

SECRET: Final = "golden-token-secret"
EXPIRES: Final = 1_795_005_000  # 2026-11-18T12:30:00Z
FROM_MS: Final = 1_794_999_600_000  # 2026-11-18T11:00:00Z
TO_MS: Final = 1_795_001_400_000  # 2026-11-18T11:30:00Z
ADDRESS: Final = "203.0.113.7"
LEASE: Final = "42.7"

CHANNEL_CASES: Final = [
    ("live", ChannelScope.live(FROM_MS), None, None),
    ("time-shift 3600 s", ChannelScope.live(FROM_MS, depth_s=3600), None, None),
    ("window", ChannelScope.window(FROM_MS, TO_MS), None, None),
    ("window with a lead", ChannelScope.window(FROM_MS, TO_MS, lead_ms=1500), None, None),
    ("start-over to live", ChannelScope.window(FROM_MS, None), None, None),
    ("live, bound to an address", ChannelScope.live(FROM_MS), ADDRESS, None),
    ("live, leased", ChannelScope.live(FROM_MS), None, LEASE),
    ("window, bound and leased", ChannelScope.window(FROM_MS, TO_MS), ADDRESS, LEASE),
]
VOD_CASES: Final = [
    ("vod", VodScope("gdliulang001"), None, None),
    ("vod with 4K", VodScope("gdliulang001", uhd=True), None, None),
    ("vod, bound and leased", VodScope("gdliulang001"), ADDRESS, LEASE),
]


def _verdict(signed: SignedPrefix, address: str | None) -> Verdict:
    seen_from = address or "198.51.100.1"  # an unbound prefix opens from anywhere
    kind, _, rest = signed.resource.partition("/")
    if kind == "vod":
        return verify_vod(
            SECRET, signed.binding, signed.token, signed.expires, rest,
            seen_from, EXPIRES, signed.lease,
        )  # fmt: skip
    scope, _, channel = rest.partition("/hls/")
    return verify(
        SECRET, signed.binding, signed.token, signed.expires, f"{scope}/{channel}",
        seen_from, EXPIRES, signed.lease,
    )  # fmt: skip


def test_signed_prefixes(golden: Golden) -> None:
    lines = [
        "# yunjin.delivery.tokens.sign and sign_vod: the URL prefix for each case",
        f"# secret {SECRET!r}, expires {EXPIRES}, address {ADDRESS}, lease {LEASE}",
    ]
    signed: list[tuple[str, SignedPrefix, str | None]] = []
    for label, scope, address, lease in CHANNEL_CASES:
        prefix = sign(SECRET, "CCTV1.cn", scope, EXPIRES, address, lease)
        signed.append((label, prefix, address))
    for label, vod, address, lease in VOD_CASES:
        signed.append((label, sign_vod(SECRET, vod, EXPIRES, address, lease), address))
    width = max(len(label) for label, _, _ in signed)
    lines += [f"{label:<{width}}  {prefix.path}" for label, prefix, _ in signed]
    golden.check("tokens/signed-prefixes.txt", "\n".join(lines).encode() + b"\n")
    for label, prefix, address in signed:
        assert _verdict(prefix, address) is Verdict.VALID, label
        binding = Binding.ADDRESS if address else Binding.ANY
        assert prefix.binding is binding, label
