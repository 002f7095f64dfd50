"""The supervisor's tools: replays, phrasebook check and test, summaries and review pages."""
