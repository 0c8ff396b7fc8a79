"""Sunlit's core: schema and store, normalisers, records, red flags, queries and the CLI.

Nothing here imports Scrapy, Pelican, a browser or any other Sunlit package.
"""
