"""The team hub: a web console for supervisors over every seat (`deescalate hub serve`).

Installed with the `hub` extra on the hub's machine only; seats never import it. The seat's
side of the conversation is `deescalate.hublink`, and the wire format both share is
`deescalate.hublink.protocol`.

- `db`: the tables (SQLite or PostgreSQL) and `migrations/` (Alembic) that build them;
- `security`: passwords, seat credentials, sign-in sessions, CSRF, rate limits;
- `seat_api`: what seats call (enrol, events, messages, phrasebook);
- `ingest`: a seat's events turned into calls, escalations and incidents;
- `console`: the supervisors' pages (live board, incidents, team view, phrasebooks, admin);
- `app`: builds the ASGI app from its parts; `serve`: the command that runs it.
"""
