"""The rolling archive: segments on disk, an index per channel and hour, playlists over it."""
