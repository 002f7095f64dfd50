"""Judgement by meaning, through the replay path a supervisor uses (`deescalate replay` of a
transcript file): threats, abuse and requests for someone senior in words no phrase lists,
and the moments the advice answers. Every line here is written for this test: none is in
the phrasebook or the text model's training sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from deescalate.advice.phrasebook import load_phrasebook
from deescalate.supervisor.replay import CallRecord, replay_call

THREATS = [
    "I've seen the blue car you drive and I know what time you finish",
    "one of these nights someone is going to be waiting by your front door",
    "keep talking like that and you'll need an ambulance",
    "I'm going to come down to that call centre and smash the place up",
    "you won't feel so clever when I catch up with you",
    "your kids walk home alone don't they",
    "i'd start looking over your shoulder if i were you",
    "mark my words you will pay for this personally",
]
LOOK_ALIKES = [
    "I'll be outside the post office at noon to collect my parcel",
    "I know your opening hours, I'll call back tomorrow",
    "I'll find my account number and get back to you",
    "this traffic is murder, sorry I'm late calling back",
    "I'm dying to get this sorted before the weekend",
    "I'll be watching my inbox for the confirmation",
    "my neighbour said she'd kill for a deal like mine",
]


def known_miss(line: str, why: str):
    """A line the product still gets wrong, kept so that the day it is right is noticed
    (README, "Meaning, through the replay path")."""
    return pytest.param(line, marks=pytest.mark.xfail(strict=True, reason=f"known miss: {why}"))


def replay(tmp_path: Path, *lines: str) -> CallRecord:
    path = tmp_path / "call.txt"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return replay_call(path, load_phrasebook())


def kinds(record: CallRecord) -> set[str]:
    return {e.kind for e in record.escalations}


def categories(record: CallRecord) -> list[str]:
    return [s.category for s in record.suggestions]


def assert_calm_without_a_boundary(record: CallRecord) -> None:
    assert "boundary" not in categories(record)
    assert all(t.level == "calm" for t in record.tensions)


FED_UP = "customer: this is the fourth time I've rung and I'm absolutely sick of you lot"


def test_most_threats_in_unlisted_words_escalate_and_name_their_words(tmp_path):
    escalated = []
    for threat in THREATS:
        record = replay(tmp_path, FED_UP, f"customer: {threat}")
        if "threat" in kinds(record):
            escalated.append(threat)
            reason = record.escalations[0].reason
            said = {w.strip(",.").lower() for w in threat.split()}
            quoted = {w.strip(',."').lower() for w in reason.split('"')[1].split()}
            assert quoted and quoted <= said, reason  # the why quotes the caller's own words
    # The model escalates only when it is sure: more than half of these are that plain
    # (on the 163 threats of the checking set, 48%: README, "Meaning, through the replay
    # path"). A threat it is not sure of still adds points and the why line.
    assert len(escalated) >= 5, set(THREATS) - set(escalated)


def test_the_plainest_threats_escalate_even_in_a_calm_call(tmp_path):
    for threat in ("your kids walk home alone don't they", "I will find out where you live"):
        assert "threat" in kinds(replay(tmp_path, f"customer: {threat}")), threat


@pytest.mark.parametrize(
    "threat",
    [
        "im gonna cave your skull in",
        "im going to snap your neck like a twig",
        known_miss(
            "im gonna bury you in the back garden",
            "lost 2026-12-08 with the threat networks: 'in the back garden' reads as a "
            "gardening plan, just under the sure bar",
        ),
        "im gonna break every bone in your body",
    ],
)
def test_a_plain_threat_whose_standout_words_are_small_ones_escalates(tmp_path, threat):
    """ "im gonna ... you" stands out most in these; the sentence's meaning carries them."""
    record = replay(tmp_path, FED_UP, f"customer: {threat}")
    assert "threat" in kinds(record)
    assert f'"{threat}"' in record.escalations[0].reason


@pytest.mark.parametrize(
    "line",
    ["im going over your head", "im gonna hit the gym after this call", "im gonna need a receipt"],
)
def test_a_promise_shaped_like_a_threat_still_does_not_escalate_after_an_angry_line(tmp_path, line):
    assert "threat" not in kinds(replay(tmp_path, FED_UP, f"customer: {line}"))


@pytest.mark.parametrize(
    "line",
    [
        "right, i'll come down to your shop tomorrow and get it exchanged",
        "im going to go into the branch on the high street and talk to them there",
        known_miss(
            "i'll come and see you at the counter after my shift",
            "after an angry line the threat head reads 'come and see you ... after my shift' "
            "as a threat",
        ),
        "i'm going to knock on the caretaker's door and get the spare key",
    ],
)
def test_a_plan_to_call_in_person_does_not_escalate_even_after_an_angry_line(tmp_path, line):
    """A visit shares a threat's shape ("I'm going to come ... and see you"); an angry
    caller who says they'll come in is not threatening anyone."""
    assert "threat" not in kinds(replay(tmp_path, FED_UP, f"customer: {line}"))


@pytest.mark.parametrize(
    ("threat", "quoted"),
    [
        ("i'll break your jaw for this", "break your jaw"),
        ("one more word out of you and i'll knife you", "knife you"),
        ("i'm bringing a gun to your branch on monday", "bringing a gun"),
    ],
)
def test_plain_threats_of_violence_escalate_in_a_calm_call_naming_the_words(
    tmp_path, threat, quoted
):
    record = replay(tmp_path, f"customer: {threat}")
    assert "threat" in kinds(record)
    assert quoted in record.escalations[0].reason


@pytest.mark.parametrize(
    "line",
    ["you're dead right about that", "a candle could set fire to your curtains"],
)
def test_violent_words_in_ordinary_talk_do_not_escalate(tmp_path, line):
    assert not replay(tmp_path, FED_UP, f"customer: {line}").escalations


@pytest.mark.parametrize("line", LOOK_ALIKES)
def test_ordinary_talk_with_a_threats_shape_never_escalates(tmp_path, line):
    record = replay(tmp_path, f"customer: {line}")
    assert not record.escalations
    assert all(t.level == "calm" for t in record.tensions)


def test_a_request_for_someone_senior_in_other_words_asked_twice_hands_over(tmp_path):
    record = replay(
        tmp_path,
        "customer: could you pass me to somebody more senior please",
        "agent: let me see what I can do first",
        "customer: no, I want whoever is above you on this line now",
    )
    assert "supervisor" in kinds(record)
    assert "handover" in categories(record)
    once = replay(tmp_path, "customer: could you pass me to somebody more senior please")
    assert "supervisor" not in kinds(once)
    assert "next_steps" in categories(once)  # asked once: offer, don't hand over yet


def test_asking_again_in_words_the_model_only_half_believes_hands_over(tmp_path):
    first = "customer: i'd like this passed up the chain"
    again = "customer: surely someone above your pay grade can fix this"
    record = replay(tmp_path, first, "agent: I can look into that for you", again)
    assert "supervisor" in kinds(record)
    once = replay(tmp_path, first)
    assert not once.escalations
    assert not categories(once)  # asked once, in words this vague: nothing on screen yet


def test_a_request_after_other_talk_in_the_same_turn_still_counts(tmp_path):
    record = replay(
        tmp_path,
        "customer: I've restarted the router twice today. Can I speak to someone more senior?",
        "agent: let me just check one thing first",
        "customer: the lights are all green now, I'd like someone above you to look at this",
    )
    assert "supervisor" in kinds(record)


def test_a_threat_after_other_talk_in_the_same_turn_still_escalates(tmp_path):
    record = replay(
        tmp_path,
        FED_UP,
        "customer: Nobody turned up on Tuesday either and I took the day off work for it. "
        "I'll be waiting at your depot with a baseball bat.",
    )
    assert "threat" in kinds(record)


def test_a_vague_request_then_a_plain_one_is_asking_twice(tmp_path):
    record = replay(
        tmp_path,
        "customer: i'd like this passed up the chain",
        "agent: let me try one more thing",
        "customer: no, put your manager on",
    )
    assert "supervisor" in kinds(record)


def test_the_callers_own_boss_in_slang_is_no_request(tmp_path):
    record = replay(
        tmp_path,
        "customer: my gaffer's on the phone to me now, hang on",
        "agent: no problem",
        "customer: sorry, my guvnor wants this sorted by friday",
    )
    assert "supervisor" not in kinds(record)
    assert "handover" not in categories(record)


def test_asking_twice_for_a_team_is_no_request_for_someone_senior(tmp_path):
    record = replay(
        tmp_path,
        "customer: could you transfer me to the boiler cover team",
        "agent: one moment",
        "customer: the boiler cover people please, they're the ones I need",
        "agent: sorry, still looking",
        "customer: who do I talk to about getting my boiler cover renewed",
    )
    assert "supervisor" not in kinds(record)
    assert "handover" not in categories(record)


@pytest.mark.parametrize(
    "line",
    [
        "is there anybody in accounts who could look at this invoice",
        "can I speak to the plumber that fitted my tank last week",
        "please get me through to the tech support department",
        "who would I ring about moving my direct debit date",
        "I'd like someone from your lettings team to call me back",
        "can you put me onto the woman who rang me on Friday",
    ],
)
def test_asking_twice_for_another_team_or_person_is_no_handover(tmp_path, line):
    record = replay(tmp_path, f"customer: {line}", "agent: bear with me", f"customer: {line}")
    assert "supervisor" not in kinds(record)
    assert "handover" not in categories(record)


@pytest.mark.parametrize(
    "line",
    [
        "can you go get your gaffer for me",  # slang
        "I want your superior on the phone",
        "let me talk to somebody higher up",
        "put me through to whoever runs the lettings team",  # the head of a team
        "I want the head of your accounts department on the phone",
        "get me the person in charge of the tech support department",
    ],
)
def test_asking_twice_in_slang_or_for_the_head_of_a_team_hands_over(tmp_path, line):
    record = replay(tmp_path, f"customer: {line}", "agent: bear with me", f"customer: {line}")
    assert "supervisor" in kinds(record)


def test_an_insult_without_swear_words_gets_a_boundary_step(tmp_path):
    record = replay(
        tmp_path,
        "customer: you clearly haven't got the faintest idea what you're doing",
    )
    boundary = [s for s in record.suggestions if s.category == "boundary"]
    assert boundary and "abusive" in boundary[0].reason


@pytest.mark.parametrize(
    "line",
    [
        "oh I'm such a clot, I gave you the old postcode",
        "silly me, I've been typing my password with caps lock on, how stupid am I",
        "I feel so stupid about this, it was in my spam folder all along",
        "stupid question, but do you still take cheques?",
    ],
)
def test_a_caller_running_themselves_down_is_not_insulting_the_agent(tmp_path, line):
    assert_calm_without_a_boundary(replay(tmp_path, f"customer: {line}"))


@pytest.mark.parametrize(
    "line",
    [
        "the form on your website is completely useless, it won't take my postcode",
        "that hold music is pathetic, it cuts out every ten seconds",
        "the driver you use round here is an idiot, he left it in the rain",
        "it\u2019s pathetic, the tracking hasn\u2019t moved since Monday",
        "the bloke I spoke to on Monday was a clown, he hung up on me",
        "what a total moron that plumber of yours was",
        "nothing personal, but your firm is hopeless",
        "I don't think anyone over there listens, no offence meant",
    ],
)
def test_an_insult_said_of_a_thing_or_someone_else_gets_no_boundary_step(tmp_path, line):
    assert "boundary" not in categories(replay(tmp_path, f"customer: {line}"))


@pytest.mark.parametrize(
    "line",
    [
        "honestly you are completely useless",
        "your lot are pathetic, all of you",
        "the trouble is you are useless at this",
        "this advisor is incompetent",
        "the app is pathetic and so are you",
        "you're not very helpful, you absolute muppet",
        "the woman on the phone right now is useless",
        "the lad I'm speaking to is a moron",
        "the way you've spoken to me today is pathetic",
        "what an idiot you are",
        "no offence, but you are a complete idiot",
        "with all due respect, you haven't got a clue what you're doing",
    ],
)
def test_an_insult_said_of_the_agent_still_gets_one(tmp_path, line):
    assert "boundary" in categories(replay(tmp_path, f"customer: {line}"))


@pytest.mark.parametrize(
    "line",
    [
        "you're a great listener",
        "you're the best person i've spoken to all week",
        "you lot were brilliant when my dad died",
    ],
)
def test_praise_for_the_agent_is_no_abuse(tmp_path, line):
    assert_calm_without_a_boundary(replay(tmp_path, f"customer: {line}"))


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("just sort it out you silly bitch", "abusive language"),
        ("listen here you little twat", "abusive language"),
        ("you're a scumbag like the rest of them", "abusive language"),
        ("are you horny love, you sound it", "sexual remarks"),
        ("go on then, send me some nudes and I'll drop the complaint", "sexual remarks"),
    ],
)
def test_name_calling_and_sexual_remarks_get_a_boundary_step_naming_them(tmp_path, line, named):
    record = replay(tmp_path, f"customer: {line}")
    boundary = [s for s in record.suggestions if s.category == "boundary"]
    assert boundary and boundary[0].reason.startswith(named), record.suggestions


@pytest.mark.parametrize(
    "line",
    [
        "my ex is a complete bastard, he changed the password on our joint account",
        "the man on the phone yesterday was an idiot, he cut me off",
        "what you must think of me i'm such an idiot",
        "I've had a rash on my penis since starting the tablets",
        "can my husband have sex with me while I'm on the antibiotics",
        "these fees suck me dry every single month",
        "the finger prick test kit you sent doesn't work",
        "can you send me nudes and blacks in the court shoe",
        "does the sports bra hold your boobs in place when you run",
        "the blue dress looked really sexy in the photo, is it still in stock",
        "did my golf balls get sent out yet",
    ],
)
def test_ordinary_words_near_abuse_or_sex_get_no_boundary_step(tmp_path, line):
    assert "boundary" not in categories(replay(tmp_path, f"customer: {line}"))


def test_praise_for_failing_is_sarcasm_not_praise(tmp_path):
    cues = {
        h.cue
        for h in replay(tmp_path, "customer: you're fantastic at forgetting to ring back").hits
    }
    assert "sarcasm" in cues
    sincere = replay(tmp_path, "customer: you're fantastic at explaining things, honestly")
    assert "sarcasm" not in {h.cue for h in sincere.hits}
    assert_calm_without_a_boundary(sincere)


@pytest.mark.parametrize(
    "line",
    [
        "the delivery driver asked for sex with me and I want to complain",
        "my ex keeps texting me what are you wearing, can you block his number",
    ],
)
def test_a_caller_reporting_harassment_is_not_harassing_the_agent(tmp_path, line):
    record = replay(tmp_path, f"customer: {line}")
    assert "harassment" not in {h.cue for h in record.hits}
    assert not any("sexual" in s.reason for s in record.suggestions)


def test_the_why_line_counts_each_kind_of_abuse_and_says_when_they_mix(tmp_path):
    record = replay(
        tmp_path,
        "customer: you useless cow",
        "agent: I want to help, I need us to keep this respectful",
        "customer: what are you wearing then",
    )
    reasons = [s.reason for s in record.suggestions if s.category == "boundary"]
    assert reasons[0].startswith("abusive language") and reasons[0].endswith("first time")
    assert reasons[1].startswith("sexual remarks") and reasons[1].endswith("abuse a second time")


def test_thanks_for_nothing_is_no_praise(tmp_path):
    record = replay(tmp_path, "customer: thanks for nothing, you're a complete waste of air")
    assert "boundary" in categories(record)


def test_a_second_threat_straight_after_the_first_is_counted_too(tmp_path):
    record = replay(
        tmp_path,
        "customer: I will hurt you",
        "customer: and then I will kill you",
    )
    threats = [h for h in record.hits if h.unsafe]
    assert len(threats) == 2
    assert {h.words for h in threats} == {"hurt you", "kill you"}


def test_an_angrier_line_scores_higher_than_a_milder_one(tmp_path):
    """The score the agent sees carries the words' strength, not only whether a phrase
    matched."""
    pairs = [
        ("it's a bit slow today", "this is dragging on forever and I'm losing patience"),
        ("the parcel hasn't come yet", "for the third week running you people have lost it"),
        ("can you check that again", "you have no clue and it shows every single time"),
    ]
    for milder, angrier in pairs:
        low = max(t.score for t in replay(tmp_path, f"customer: {milder}").tensions)
        high = max(t.score for t in replay(tmp_path, f"customer: {angrier}").tensions)
        assert high > low, (milder, low, angrier, high)


def test_a_long_vent_gets_a_listening_prompt_when_it_ends(tmp_path):
    rant = [
        "so I ordered the sofa back in march and paid in full that same afternoon",
        "then they said the delivery would be june and nobody turned up that day",
        "I took a day off work for it and rang three times and got three stories",
        "then in july someone finally came and it was the wrong colour and scratched",
        "and now I'm told the replacement is months away and I'm still paying for it",
    ]
    lines = [f"[00:{i * 6:02d}] customer: {part}" for i, part in enumerate(rant)]
    record = replay(tmp_path, *lines, "[00:34] agent: I see")
    listening = [s for s in record.suggestions if s.category == "listening"]
    assert listening and "long venting" in listening[0].reason


def test_sarcasm_again_and_again_gets_a_response(tmp_path):
    record = replay(
        tmp_path,
        "customer: oh great, another twenty minutes on hold",
        "agent: sorry about the wait",
        "customer: yeah right, like that's going to happen",
        "agent: I understand",
        "customer: oh perfect, now the line is crackling too",
    )
    reasons = [s.reason for s in record.suggestions]
    assert any("sarcasm" in reason for reason in reasons), reasons
