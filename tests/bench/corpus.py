"""Synthesised two-speaker calls for benchmarks, with the text and timing of every line."""

from __future__ import annotations

import json
from pathlib import Path

import soundfile as sf

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.demo.synth import Line, Voice, render_call

AGENT = Voice("en-us+m3", 155, 45)
CUSTOMERS = [Voice("en-us+f3", 150, 55), Voice("en-us+klatt", 150), Voice("en-us", 165, 40)]

# (customer line, trigger phrase it contains or None), answered by an agent line each.
ENGLISH_CALL = [
    ("hello I am calling about my internet connection", None),
    ("it has been down since monday morning", None),
    ("I want to talk to your supervisor", "supervisor"),
    ("this is ridiculous I have waited for a week", "ridiculous"),
    ("can you check the address on my account", None),
    ("you people are useless", "useless"),
    ("I will call my lawyer about this", "lawyer"),
    ("the router lights are all green now", None),
    ("I am going to cancel my contract", "cancel"),
    ("put your manager on the phone", "manager"),
    ("that is completely unacceptable", "unacceptable"),
    ("thank you for checking the line", None),
    ("are you an idiot or something", "idiot"),
    ("I could kill you for this", "kill you"),
    ("please send a technician on friday", None),
    ("okay that sounds fine to me", None),
]
AGENT_LINES = [
    "thank you for calling how can I help",
    "I am sorry to hear that let me look",
    "I understand let me see what I can do",
    "I can hear this has been frustrating",
    "of course the address is on the screen",
    "I want to help you sort this out",
    "I will note that on your account",
    "that is good news let us test it",
    "I can help you with your options",
    "I can ask my team lead to join",
    "I will book a visit for you now",
    "you are welcome it is my pleasure",
    "I am here to help you today",
    "I am going to pause this call now",
    "friday morning is booked for you",
    "thank you for your patience today",
]

KOREAN_CALL = [
    ("학교", "학교"),
    ("안녕하세요", None),
    ("회사", "회사"),
    ("감사합니다", None),
    ("전화", "전화"),
    ("오늘 날씨", None),
]
KOREAN_TRIGGERS = ["학교", "회사", "전화"]


def build_english(folder: Path) -> Path:
    lines = []
    for i, ((text, _trigger), answer) in enumerate(zip(ENGLISH_CALL, AGENT_LINES, strict=True)):
        lines.append(Line("agent", answer, AGENT, gap=0.6))
        lines.append(Line("customer", text, CUSTOMERS[i % len(CUSTOMERS)], gap=0.6))
    return _write(folder / "english_call.wav", lines, dict(ENGLISH_CALL))


def build_korean(folder: Path) -> Path:
    voice = Voice("ko", 130)
    lines = [Line("customer", text, voice, gap=1.0) for text, _ in KOREAN_CALL * 3]
    return _write(folder / "korean_call.wav", lines, dict(KOREAN_CALL))


def _write(path: Path, lines: list[Line], triggers: dict[str, str | None]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    stereo, placed = render_call(lines)
    sf.write(path, stereo, SAMPLE_RATE, subtype="PCM_16")
    script = [
        {
            "speaker": p.speaker,
            "text": p.text,
            "start": p.start,
            "end": p.end,
            "trigger": triggers.get(p.text),
        }
        for p in placed
    ]
    path.with_suffix(".json").write_text(json.dumps(script, ensure_ascii=False, indent=1))
    return path


# One caller line at a time, in six voices: openings that must never escalate, threats on
# the default phrasebook's list that must, and insults that should bring a boundary.
VOICES = [
    Voice("en-us", 150),
    Voice("en-gb", 165),
    Voice("en-us+m3", 145, 40),
    Voice("en-us+f2", 155, 60),
    Voice("en-gb-scotland", 150),
    Voice("en-us+klatt", 160),
]
LINES = {
    "harmless": [
        "Hi, I am calling about my bill.",
        "Thanks for calling, how can I help you?",
        "Good afternoon, I need to ask about a delivery.",
        "Hello, is this the right number for technical support?",
        "I'm phoning because my card expired last month.",
        "Could you tell me the opening hours of the shop in town?",
        "My name is Sam and I'd like to move my appointment.",
        "Yes, that's right, the account is in my wife's name.",
    ],
    "threat": [
        "I swear I could kill you right now.",
        "I will find where you live and wait for you.",
        "Keep this up and you'll regret it, I promise.",
        "I know where your office is. I'll come down there and hurt someone.",
        "If you cut off my line again I will hurt you.",
        "You better watch your back from now on.",
    ],
    "insult": [
        "You are completely useless at this job.",
        "What kind of idiot runs this company?",
        "This is the most pathetic service I've ever had.",
        "Are you stupid or just not listening?",
    ],
}
THREAT_WORDS = {
    "kill you",
    "find where you live",
    "you'll regret",
    "come down there and",
    "hurt you",
    "watch your back",
}
