"""Synthesises the demo call shipped with the app: `python -m app.demo.make_demo_call`.

A support call about an outage: the customer starts polite, gets frustrated, insults the
agent and demands a supervisor, then calms down once the agent offers a concrete next step.
The agent slips once ("calm down, that's our policy") so coaching has something to show.
"""

from __future__ import annotations

import json

import soundfile as sf

from app.audio.feed import SAMPLE_RATE
from app.demo import DEMO_CALL
from app.demo.synth import Line, Voice, render_call

AGENT = Voice("en-us+m3", rate=155, pitch=45)


def customer(level: int) -> Voice:
    """The customer's voice at escalation level 0 (calm) to 3 (shouting)."""
    return Voice("en-us+f3", rate=145 + 15 * level, pitch=50 + 8 * level, amplitude=70 + 40 * level)


DEMO_LINES = [
    Line("agent", "Thank you for calling, this is Sam. How can I help you today?", AGENT),
    Line(
        "customer",
        "Hi. My internet has been down since Monday and nobody has fixed it.",
        customer(0),
    ),
    Line("agent", "I am sorry to hear that. Let me pull up your account.", AGENT),
    Line(
        "customer",
        "This is the third time I am calling. I already told you all of this.",
        customer(1),
    ),
    Line("agent", "I understand. Can you confirm the address on the account?", AGENT),
    Line(
        "customer",
        "This is ridiculous. You always say the same thing and nothing ever changes.",
        customer(2),
        gap=-0.6,
    ),
    Line("agent", "Calm down, that is our policy.", AGENT),
    Line(
        "customer",
        "Do not tell me to calm down. You are useless. Get me your supervisor right now.",
        customer(3),
    ),
    Line(
        "agent",
        "I hear how frustrating this is. I will book a technician and call you back today.",
        AGENT,
        gap=1.0,
    ),
    Line("customer", "Fine. Thank you. I just want it working.", customer(0), gap=0.8),
    Line("agent", "You are welcome. Is there anything else I can do?", AGENT),
    Line("customer", "No, that is all. Goodbye.", customer(0)),
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
