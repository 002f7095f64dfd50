"""Deescalate: a real-time de-escalation assistant for call-center agents.

The folders are the stages of the flow, lowest first: core (shared types and facts),
config, audio, speech, tension, advice, call, records and alerts, session, supervisor
tools and ui; `bootstrap` assembles the app for every entry point and `cli` dispatches.
"""
