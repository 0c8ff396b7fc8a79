"""Sunlit's benchmarks: run all with `python -m bench`, one with `python -m bench.<name>`.

Figures are printed and written to `bench/results/<name>.json` (git-ignored).
"""
