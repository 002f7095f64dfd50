"""Call review reports: static HTML per call and an index, readable from disk with no server."""
