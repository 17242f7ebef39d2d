"""The electronic programme guide: XMLTV in and out, matching, now/next and search."""
