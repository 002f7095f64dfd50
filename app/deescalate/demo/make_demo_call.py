"""Synthesises the demo call shipped with the app: `python -m app.demo.make_demo_call`.

A support call about an outage: the customer starts polite, gets frustrated, insults the
agent and asks twice for a supervisor (the second time, the overlay says to hand over),
then calms down once the agent brings one in and books a visit. The agent slips once
("calm down, that's our policy") so coaching has something to show.
"""

from __future__ import annotations

import json

import soundfile as sf

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.demo import DEMO_CALL
from deescalate.demo.synth import Line, Voice, render_call

# espeak-ng's Klatt voice is the one the built-in PocketSphinx model recognises reliably,
# so the demo shows what the product does rather than what the synthesiser can't say.
AGENT = Voice("en-us+klatt", rate=145, pitch=30)


def customer(level: int) -> Voice:
    """The customer's voice at escalation level 0 (calm) to 3 (shouting)."""
    return Voice(
        "en-us+klatt", rate=145 + 8 * level, pitch=55 + 8 * level, amplitude=70 + 35 * level
    )


DEMO_LINES = [
    Line("agent", "Thank you for calling, this is Sam. How can I help you today?", AGENT),
    Line("customer", "Hi. My internet has been down since Monday.", customer(0)),
    Line("agent", "I am sorry to hear that. Let me pull up your account.", AGENT),
    Line(
        "customer",
        "This is the third time I am calling. I already told you all of this.",
        customer(1),
    ),
    Line("agent", "I understand. Can you confirm the address on the account?", AGENT),
    Line("customer", "This is ridiculous. Nothing ever changes.", customer(2), gap=-0.6),
    Line("agent", "Calm down, that is our policy.", AGENT),
    Line("customer", "You are useless.", customer(3)),
    Line("customer", "I want to talk to your supervisor.", customer(3), gap=0.4),
    Line("agent", "I can help you with this right now.", AGENT),
    Line("customer", "I said I want to talk to your supervisor.", customer(3)),
    Line("agent", "Of course. I am asking my supervisor to join us.", AGENT, gap=1.0),
    Line("customer", "Fine. Thank you.", customer(0), gap=0.8),
    Line("agent", "While we wait, I will book a technician for tomorrow morning.", AGENT),
    Line("customer", "Okay, that works for me. Thank you for your help.", customer(0), gap=6.0),
    Line("agent", "You are welcome. Is there anything else I can do?", AGENT),
    Line("customer", "No, that is all. Goodbye.", customer(0), gap=8.0),
]


def main() -> None:
    stereo, placed = render_call(DEMO_LINES)
    sf.write(DEMO_CALL, stereo, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    script = [
        {"speaker": p.speaker, "text": p.text, "start": round(p.start, 2), "end": round(p.end, 2)}
        for p in placed
    ]
    DEMO_CALL.with_suffix(".json").write_text(json.dumps(script, indent=1) + "\n")
    print(f"wrote {DEMO_CALL} ({stereo.shape[0] / SAMPLE_RATE:.1f} s) and its script")


if __name__ == "__main__":
    main()
