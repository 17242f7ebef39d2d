"""What live, VOD and the newsroom share about media: which ffmpeg, the generated test
sources, and the one way a child process is started and held (ADR 0031).

The bottom of the house: nothing here imports another area of Yunjin.
"""
