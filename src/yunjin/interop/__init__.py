"""The de-facto client contracts: M3U with catch-up attributes, catch-up query conventions."""
