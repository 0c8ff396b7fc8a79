"""Sunlit's collectors: a Scrapy project that fetches public disclosures and loads them.

Spiders (one module per source format in `collectors.spiders`) only fetch and cut pages into
`SourceItem`s; understanding fields is `disclosures.records`' job and storing them is the
pipelines'. `sunlit collect` (`collectors.commands`) runs every source in `sources.toml`.
"""
