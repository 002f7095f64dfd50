"""What every stage shares: the event types, the facts (levels, speakers, colours) and the
data files shipped in the package."""
