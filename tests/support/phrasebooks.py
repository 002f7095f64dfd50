"""A small complete phrasebook for tests that check, publish or replay one: every category,
a boundary step, an agent cue and a hand-over."""

BASE = """\
cues:
  - id: insult
    weight: 25
    phrases: [dimwit, "shut up"]
  - id: money_anger
    weight: 12
    phrases: ["where is my money", overcharged]
  - id: supervisor_demand
    weight: 10
    phrases: ["get me your boss"]
  - id: agent_whatever
    speaker: agent
    weight: 0
    phrases: [whatever]
responses:
  - {id: hold_calm, category: calming, when: [tense], text: "Lower your voice and slow down."}
  - {id: hear_them, category: listening, when: [tense, money_anger],
     text: "I hear you; that is wrong."}
  - {id: own_it, category: positive_language, when: [heated], text: "Here is what I can do."}
  - {id: plan, category: next_steps, when: [tense, money_anger],
     text: "I will check every charge now."}
  - {id: no_names, category: boundary, step: 1, when: [insult], text: "Let's keep it civil."}
  - {id: step_out, category: escalate, when: [unsafe], text: "Pause the call and get help."}
  - {id: drop_it, category: coaching, when: [agent_whatever], text: "Say what you will do."}
  - {id: pass_on, category: handover, when: [supervisor_demand], text: "Bring your boss in."}
"""
