"""Records kept for supervisors: suggestion feedback and incident records, in SQLite."""
