"""Golden XMLTV: ``/xmltv.xml`` with and without ``catchup-id`` and Xtream's ``xmltv.php``,
validated by lxml against the XMLTV DTD and by the XMLTV project's ``tv_validate_file``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from tests.golden.compare import Golden
from tests.golden.conftest import Lineup
from tests.golden.lineup import DAY_MS, NOW_MS, XTREAM_PASSWORD, XTREAM_USER
from yunjin.epg.xmltv import format_time

Valid = Callable[[bytes], Any]


def test_xmltv_export(fixed_lineup: Lineup, golden: Golden, xmltv_valid: Valid) -> None:
    body = fixed_lineup.get("/xmltv.xml")
    golden.check("xmltv/xmltv.xml", body)
    guide = xmltv_valid(body)
    # as the export has it: every channel of the lineup, the disabled one too
    assert guide.xpath("//channel/@id") == ["CCTV1.cn", "SCTV.cn", "CDTV3.cn", "OLD.cn"]
    starts = guide.xpath("//programme/@start")
    assert format_time(NOW_MS - 8 * DAY_MS) not in starts  # older than any catch-up window
    assert format_time(NOW_MS - DAY_MS) in starts  # kept: yesterday plays from the archive


def test_xmltv_export_with_catchup_ids(
    fixed_lineup: Lineup, golden: Golden, xmltv_dtd: Any
) -> None:
    body = fixed_lineup.get("/xmltv.xml", **{"catchup-id": "1"})
    golden.check("xmltv/xmltv-catchup-id.xml", body)
    guide = etree.fromstring(body)
    programmes = guide.xpath("//programme")
    assert all(p.get("catchup-id") for p in programmes)
    # Kodi's attribute is the only thing the DTD does not declare
    for programme in programmes:
        del programme.attrib["catchup-id"]
    assert xmltv_dtd.validate(guide), xmltv_dtd.error_log.filter_from_errors()


def test_xtream_xmltv_php(fixed_lineup: Lineup, golden: Golden, xmltv_valid: Valid) -> None:
    body = fixed_lineup.get("/xmltv.php", username=XTREAM_USER, password=XTREAM_PASSWORD)
    golden.check("xmltv/xmltv-php.xml", body)
    xmltv_valid(body)
