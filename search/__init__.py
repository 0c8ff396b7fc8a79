"""Search over Sunlit's records: search documents built from database rows, and the indexes
built from them (the browser index with Pagefind; a command-line engine can read the same
documents)."""
