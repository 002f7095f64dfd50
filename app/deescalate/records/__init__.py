"""Records kept for supervisors (calls, their events, suggestion feedback, incident
records) in SQLite, written and read off the window's thread, redacted on the way in."""
