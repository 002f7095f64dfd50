"""Word cues: the phrasebook's trigger phrases read in context, plus the trained text model.

The phrases give the reasons the agent sees and must be exact: a negation cancels a phrase
only inside its own clause ("I'm not angry, I'm furious" is furious), never a threat ("don't
make me hurt you" is a threat), and not in a question ("isn't that ridiculous"). A few set
expressions are not what their words say ("never mind"). The text model adds evidence from
all the words, including ones no phrase lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deescalate.tension.cues import HARASSMENT, Cue, CueSource
from deescalate.tension.examples import ExampleHit, ExampleIndex
from deescalate.tension.text_model import (
    APOSTROPHES,
    TextModel,
    TextScore,
    shipped_model,
    tokens,
)

NEGATORS = {
    "not", "never", "no", "don't", "dont", "didn't", "isn't", "wasn't", "ain't", "won't",
    "can't", "cannot", "aren't", "doesn't", "wouldn't", "haven't", "hasn't", "weren't", "nobody",
}  # fmt: skip
NEGATION_REACH = 3
"""Words after a negation that it can reach within its clause: "I'm not really angry"."""
CLAUSE_BREAK = re.compile(r"[,.;:!?]|\b(?:but|and|so|because|cause|though|although|or)\b")
CLAUSE_STARTERS = {"i'm", "i", "im", "you", "you're", "we", "they", "he", "she", "it's", "this"}
"""A subject opens a new clause even without punctuation, as a recogniser writes it:
"i'm not angry i'm furious", "no you idiot"."""
QUESTION_SUBJECTS = {"that", "this", "it", "you", "he", "she", "they", "we"}
"""A negative auxiliary right before a subject makes a question, not a denial:
"isn't that ridiculous", "aren't you useless"."""
SET_EXPRESSIONS = re.compile(
    r"\b(?:never mind|nevermind|no worries|no problem|not a problem|no trouble|"
    r"never been better|every time i've been happy|(?:stupid|silly|dumb) question)\b"
)
"""Phrases whose words would match a cue but that mean nothing of the kind."""
DISCLAIMERS = re.compile(
    r"\b(?:no offen[cs]e(?: (?:to you|intended|meant))?|(?:with )?(?:all )?due respect|"
    r"nothing personal|(?:i'm )?not being funny|(?:please )?don't take (?:this|it) personally)\b"
)
"""Words that disown offence: they carry none themselves, and the model, which has seen
them before many an insult, does not read them ("nobody there cares, no offence to you").
What follows them is read as it is ("no offence, but you're thick")."""
SINCERE_THANKS = re.compile(
    r"\b(?:thank you|thanks)\b(?! for nothing)(?! a lot for nothing)|"
    r"\b(?:that (?:fixed|solved|sorted|worked)|works now|that's (?:fixed|sorted))\b"
)
PRAISE = re.compile(
    r"(?<!are )(?<!were )\b(?:you|you're|youre|you've|youve|u|ya)\b[\w' ]{0,30}?\b(?P<praise>"
    r"brilliant|lovely|fantastic|wonderful|amazing|superb|excellent|superstar|legend|gem|"
    r"diamond|angel|the best|great (?:help|listener|job|work|service)|(?:so|very|really|ever so) "
    r"(?:kind|patient|helpful)|good at (?:this|your job))\b"
)
"""Praise of the agent: "you're an absolute gem" has abuse's shape, not its meaning, and the
model does not read it (the rest of the line it does: "you're a gem, a waste of oxygen").
The praise follows "you" in the same stretch of words; a praise word said first is most
often sarcasm ("brilliant, another genius"), and praise denied ("you're not very helpful")
or asked about ("are you the best they've got") is none."""
IRONY_CUES = {"sarcasm"}
"""Cues that read as irony only when the same words don't also sincerely thank or confirm."""

INTENSIFIED = re.compile(r"\bso\s+$")
COPULAS = {"is", "was", "are", "were", "isn't", "wasn't", "seems", "looks", "sounds"}
"""Verbs linking a subject to what is said of it ("the app is useless")."""
EXCLAIMED = re.compile(r"\bwhat (?:a|an)\s+(?:[\w']+\s+){0,2}$")
"""An exclamation leading up to the words: "what an absolute ..." """
LINKED_REACH = 4
"""At most this many words between the linking verb and the insult ("is a complete and
utter joke" is still said of the subject)."""
OTHER_SUBJECTS = {
    "the", "that", "this", "these", "those", "it", "its", "his", "her", "their", "my", "our",
    "your", "he", "she", "they", "a", "an",
}  # fmt: skip
"""Words that open a subject other than the agent ("the driver", "it", "your website")."""
YOU_AND = re.compile(r"\b(?:you|u|ya|yourself)\s+(?:and|or)\s+[\w' ]*$")
AND_YOU = re.compile(r"^\W*\w+\W+(?:and|so are|and so are|as are|like)\s+(?:you|u|ya)\b")
"""An insult said of both: "you and your company are useless", "it's pathetic and so are
you"."""
AGENTS_SIDE = {"lot", "staff", "team", "people", "colleagues", "agents", "advisors", "guys"}
"""Said of "your lot" or "your staff", an insult takes in the agent."""
AGENT_NOUNS = {"agent", "advisor", "adviser", "operator", "handler"}
"""Said of "this agent" or "the operator", an insult is said of the agent."""
THE_AGENT = re.compile(
    r"\b(?:on this (?:line|phone|call)|on the (?:line|phone) (?:now|right now)|"
    r"(?:i'm|im|i am) (?:talking|speaking) to)\b"
)
"""Words naming the agent: whoever is "on this line" or "I'm talking to" ("the man on the
phone yesterday" and "the person I spoke to" are someone else)."""
AGENTS_DOING = re.compile(r"^(?:the way|how) (?:you|you've|you're|u|your lot)\b")
"""Words naming what the agent did ("the way you've handled this", "how you've dealt
with it")."""
AIMED_CUES = {"insult"}
"""Cues that count only when aimed at someone else: "I'm such an idiot" is no insult."""
REPORTED_CUES = {HARASSMENT}
"""Cues that do not count in what the caller reports someone else said: a caller asking
for help with a harasser is not harassing the agent."""
REPORTING = re.compile(
    r"\b(?:asks|asked|asking|tells|told|telling|says|said|saying|texts|texted|texting|"
    r"messages|messaged|messaging|wrote|writes|sent|sends)\b"
)
OWN_ROLE = re.compile(
    r"\b(?:my|our|his|her|their)\s+(?:\w+\s+)?(?:manager|supervisor|boss|team leader)\b"
)
"""The caller's own manager is no request for ours: "my team manager asked me to call"."""
SENIOR_ROLE = re.compile(
    r"\b(?:manager|management|supervis\w*|senior|superior|boss|gaffer|guvnor|in charge|"
    r"higher|upstairs|above you|over you|outranks?|head of|team lead(?:er)?|leadership|"
    r"chief|director|executive|ceo|owner|authority|escalat\w*|more experienced|"
    r"(?:runs|oversees|manages|responsible for) (?:your|the) (?:\w+ )?"
    r"(?:team|department|office|staff))\b"
)
TEAMS = (
    r"billing|accounts?|sales|returns|refunds?|claims|collections|fraud|payments?|shipping|"
    r"deliver(?:y|ies)|dispatch|technical|tech support|support|customer care|retentions?|"
    r"cancellations?|bookings?|reservations|repairs|warranty|insurance|mortgages?|loans?|"
    r"lending|security|compliance|legal|complaints|it|hr|pharmacy"
)
ANOTHER_DESK = re.compile(
    r"\b(?:the|your|a)\s+(?:[\w']+\s+){0,2}(?:team|department|dept|desk|office|section|"
    r"unit|branch|division|helpline|line)\b"
    rf"|\b(?:in|from|to|at)\s+(?:the\s+)?(?:{TEAMS})\b"
    r"|\b(?:person|engineer|agent|lady|woman|man|guy|bloke|one|technician|driver|courier|"
    r"nurse|doctor|advisor|adviser|rep|chap|fella|girl|lad)\s+(?:who|that|which|i)\s+"
    r"(?:\w+\s+)?(?:handled|came|dealt|spoke|talked|did|sent|fixed|took|was|rang|called|"
    r"delivered|visited|installed|set|booked|emailed|wrote|had|saw|fitted|serviced)\b"
    r"|\bwho\s+(?:deals|handles|looks after|is responsible for|knows about|does)\b"
    r"|\b(?:who|where)\s+(?:do|should|would|can|could)\s+i\s+(?:talk|speak|go|ring|call)\s+"
    r"(?:to\s+)?(?:about|for|regarding)\b"
)
"""A request for another team, a particular person or whoever deals with a subject ("put me
through to the returns team", "the engineer who came out", "who do I talk to about a
refund"): routing, which the agent handles, not a request for someone senior."""
FIRST_PERSON = {"i", "i'm", "im", "i've", "i'd", "me", "myself", "my"}
SECOND_PERSON = {"you", "you're", "youre", "your", "yours", "yourself", "ya", "u"}
SECOND_PERSON_SUBJECTS = SECOND_PERSON - {"your", "yours"} | {"you've"}
""""You" as the subject; "your" opens a subject of its own ("your website")."""
COMPLAINT_POINTS = 5.0
"""Model points from which the words count as a complaint (for repetition)."""
NOT_SHOWN = {
    "i", "me", "my", "you", "your", "the", "a", "an", "is", "it", "this", "that", "to", "and",
    "of", "in", "on", "at", "for", "be", "was", "are", "have", "i'm", "i've", "it's", "so",
    "there", "they", "we", "just", "all", "with", "do", "not", "no",
}  # fmt: skip


@dataclass(frozen=True)
class CueMatch:
    cue: Cue
    words: str
    start: int = 0
    """Character offsets of the matched words in the (lower-cased) utterance."""
    end: int = 0
    example: str = ""
    """Matched by example: the cue's example the words came close to, and how close (0-1)."""
    closeness: float = 0.0


class WordCues:
    def __init__(self, cues: CueSource, model: TextModel | None = None) -> None:
        active = cues.active_cues()
        self._cues = [(cue, cue.pattern()) for cue in active]
        self._model = model or shipped_model()
        self._examples = ExampleIndex([c for c in active if c.examples], self._model)

    def match(self, text: str, speaker: str) -> list[CueMatch]:
        lowered = plain_text(text)
        text = SET_EXPRESSIONS.sub(lambda m: "_" * len(m.group(0)), lowered)
        thanked = bool(SINCERE_THANKS.search(text))
        matches = []
        for cue, pattern in self._cues:
            if cue.speaker != speaker or (thanked and cue.id in IRONY_CUES):
                continue
            for found in pattern.finditer(text):
                if cue.id in AIMED_CUES and not_at_the_agent(text, found.start()):
                    continue
                if cue.id in REPORTED_CUES and reported(text, found.start()):
                    continue
                if cue.unsafe or not negated(text, found.start()):
                    matches.append(CueMatch(cue, found.group(0), found.start(), found.end()))
                    break
        listed = {m.cue.id for m in matches}
        for hit in self._examples.closest(text).values() if self._examples else ():
            cue = hit.cue
            if cue.id in listed or cue.speaker != speaker or (thanked and cue.id in IRONY_CUES):
                continue
            if self._example_holds(text, hit):
                matches.append(_example_match(lowered, hit))
        return matches

    @staticmethod
    def _example_holds(text: str, hit: ExampleHit) -> bool:
        """As for a phrase: a negation the example does not have cancels it (never for a
        threat), and an insult said of oneself is none."""
        start = hit.segment.start
        if hit.cue.id in AIMED_CUES and not_at_the_agent(text, start):
            return False
        return hit.cue.unsafe or denies(hit.example.lower()) or not denies(hit.segment.text)

    def text_score(self, text: str) -> TextScore:
        """The model's reading of the words, leaving out cue phrases that are negated (with
        the negation) or said of the speaker, and praise of the agent: the model alone would
        read "I'm not angry" as angry, "I'm such an idiot" and "you're a gem" as insults."""
        lowered = plain_text(text)
        spans = self._praise_spans(lowered) + [m.span() for m in DISCLAIMERS.finditer(lowered)]
        for cue, pattern in self._cues:
            if cue.unsafe:
                continue
            for m in pattern.finditer(lowered):
                denied_from = denial_start(lowered, m.start())
                if denied_from is not None:
                    spans.append((denied_from, m.end()))
                elif cue.id in AIMED_CUES and self_directed(lowered, m.start()):
                    spans.append(m.span())
        for start, end in reversed(_merged(spans)):
            lowered = lowered[:start] + " " + lowered[end:]
        return self._model.score(lowered)

    def _praise_spans(self, lowered: str) -> list[tuple[int, int]]:
        """Praise of the agent, but not where a listed piece of sarcasm overlaps it: "you're
        the best, the best at losing parcels" is no praise."""
        ironic = [
            m.span()
            for cue, pattern in self._cues
            if cue.id in IRONY_CUES
            for m in pattern.finditer(lowered)
        ]
        return [
            (start, end)
            for start, end in praise_spans(lowered)
            if not any(start < e and s < end for s, e in ironic)
        ]

    def insults_others(self, text: str) -> bool:
        """Whether a listed insult in the words is said of a thing or someone else ("the
        engineer you sent was an idiot"): the model may still read abuse in it."""
        lowered = plain_text(text)
        return any(
            said_of_another(lowered, m.start())
            for cue, pattern in self._cues
            if cue.id in AIMED_CUES
            for m in pattern.finditer(lowered)
        )

    @property
    def model(self) -> TextModel:
        return self._model

    def negativity(self, text: str) -> float:
        """Tension points the text model gives these words (near 0 for ordinary talk)."""
        return self._model.points(self.text_score(text), len(tokens(text)))

    def strongest_words(self, score: TextScore, head: str = "anger") -> str:
        """The words that carried a head, for the why line: whole words with a meaning of
        their own ("awful, bad"), not the pairs and pronouns around them."""
        words = [w for name in score.strongest[head] for w in name.split()]
        return ", ".join(dict.fromkeys(w for w in words if w not in NOT_SHOWN))


def _example_match(lowered: str, hit: ExampleHit) -> CueMatch:
    """The words that came close, quoted as said (the stretch of the utterance)."""
    start, end = hit.segment.start, hit.segment.end
    words = lowered[start:end].strip(",.;:!? ")
    return CueMatch(hit.cue, words, start, end, hit.example, round(hit.closeness, 2))


def denies(text: str) -> bool:
    """Whether a negation in the text denies something (questions such as "isn't that
    ridiculous" and a "no" that answers, "no, I want...", deny nothing)."""
    return _denial(re.findall(r"[\w']+", text.lower())) is not None


def plain_text(text: str) -> str:
    """Lower case, with the apostrophes a keyboard or a recogniser may use made plain."""
    return text.lower().translate(APOSTROPHES)


def _clause_before(text: str, start: int) -> str:
    """The clause that leads up to `start`. A "so" right before the word intensifies it
    ("i'm so stupid"): it joins, not breaks, the clause."""
    return CLAUSE_BREAK.split(INTENSIFIED.sub(" ", text[:start]))[-1]


def praise_spans(text: str) -> list[tuple[int, int]]:
    """Where the words praise the agent ("you were brilliant"), unless the praise is denied."""
    return [m.span() for m in PRAISE.finditer(text) if not negated(text, m.start("praise"))]


def not_at_the_agent(text: str, start: int) -> bool:
    """Whether an insult at `start` is said of the speaker or of a thing or someone else
    ("the app is useless", "that courier was a clown"): no boundary step is due."""
    return self_directed(text, start) or said_of_another(text, start)


def said_of_another(text: str, start: int) -> bool:
    """Whether the words at `start` describe the subject of their clause, and that subject
    is neither the agent nor the agent's side: "your website is useless", "it's useless",
    "the last engineer was a clown", but not "you're useless" or "your lot are useless"."""
    if YOU_AND.search(INTENSIFIED.sub(" ", text[:start])) or AND_YOU.search(text[start:]):
        return False
    subject = _linked_subject(text, start) or _exclaimed_subject(text, start)
    if subject is None or _names_the_agent(subject):
        return False
    for word in subject:  # who the subject is: the first pronoun or determiner says
        if word in SECOND_PERSON_SUBJECTS:
            return False
        if word in OTHER_SUBJECTS:
            return not (word == "your" and AGENTS_SIDE & set(subject))
    return False


def _linked_subject(text: str, start: int) -> list[str] | None:
    """The subject the words at `start` are said of through a linking verb ("the app is
    useless": the app), or None when no linking verb leads up to them."""
    words = re.findall(r"[\w']+", _clause_before(text, start))
    linked = [i for i, w in enumerate(words) if w in COPULAS or w.endswith("'s")]
    if not linked or len(words) - linked[-1] > LINKED_REACH:
        return None
    return _subject(words, linked)


def _exclaimed_subject(text: str, start: int) -> list[str] | None:
    """The subject of an exclamation, which follows the words at `start`: in "what an
    absolute clown the last courier was", the last courier."""
    if not EXCLAIMED.search(text[:start]):
        return None
    after = re.findall(r"[\w']+", text[start:])[1:]
    for i, word in enumerate(after[: LINKED_REACH + 1]):
        if word in COPULAS or word == "am":
            return after[:i] or None
    return None


def _names_the_agent(subject: list[str]) -> bool:
    """Whether a subject is the agent or what the agent did ("this advisor", "the person
    on this line", "the way you've handled this")."""
    said = " ".join(subject)
    return bool(AGENT_NOUNS & set(subject) or THE_AGENT.search(said) or AGENTS_DOING.search(said))


def _subject(words: list[str], linked: list[int]) -> list[str]:
    """The words before the last linking verb, back to the one before it: in "the problem
    is you are useless" the subject is "you"."""
    last = linked[-1]
    first = linked[-2] + 1 if len(linked) > 1 else 0
    if words[last].endswith("'s"):  # "it's", "that's": the subject is in the word
        return [*words[first:last], words[last].removesuffix("'s")]
    return words[first:last]


def self_directed(text: str, start: int) -> bool:
    """Whether the words at `start` are said of the speaker: "i'm such an idiot", "stupid
    me", "how stupid am i", "i feel so stupid". Not when "you" is in the last words before
    them, nor when they are said of a subject that is someone else ("my brother is an
    idiot") or the agent ("the lad i'm talking to is a moron")."""
    before = re.findall(r"[\w']+", _clause_before(text, start))[-5:]
    after = re.findall(r"[\w']+", text[start:])[1:3]
    if SECOND_PERSON & set(before):
        return False
    subject = _linked_subject(text, start)
    if subject is not None and (_names_the_agent(subject) or said_of_another(text, start)):
        return False
    return bool(FIRST_PERSON & set(before)) or bool({"me", "i"} & set(after))


def reported(text: str, start: int) -> bool:
    """Whether the words at `start` are what someone else said, as the caller reports it:
    "my ex keeps texting me send nudes", "the driver asked what I was wearing"."""
    return bool(REPORTING.search(_clause_before(text, start)))


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans in order, overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def negated(text: str, start: int) -> bool:
    """Whether a negation in the same clause, a few words back, applies to the text at `start`."""
    return denial_start(text, start) is not None


def denial_start(text: str, start: int) -> int | None:
    """Where the negation that applies to the words at `start` begins ("not" in "i'm not
    angry"): a denying word in the same clause, a few words back; None if there is none."""
    clause = CLAUSE_BREAK.split(text[:start])[-1]
    offset = start - len(clause)
    words = list(re.finditer(r"[\w']+", clause))
    for i in range(len(words) - 1, 0, -1):
        if words[i].group(0) in CLAUSE_STARTERS:
            words = words[i:]
            break
    words = words[-(NEGATION_REACH + 1) :]
    at = _denial([w.group(0) for w in words])
    return None if at is None else offset + words[at].start()


def _denial(words: list[str]) -> int | None:
    """The index of a negator among the words that denies (not one opening a question,
    "isn't that ...", nor a "no" that answers, "no, I want ...")."""
    for i, word in enumerate(words):
        if word not in NEGATORS:
            continue
        following = words[i + 1] if i + 1 < len(words) else ""
        if word.endswith("n't") and following in QUESTION_SUBJECTS:
            continue
        if word == "no" and following in CLAUSE_STARTERS:
            continue
        return i
    return None


def asks_for_someone_else(text: str) -> bool:
    """Whether words that read like a request for someone senior ask for someone else: the
    caller's own manager ("my manager asked me to call"), another team or a particular
    person ("the returns team" is, "the head of the returns team" is not)."""
    lowered = plain_text(text)
    if OWN_ROLE.search(lowered):
        return True
    return bool(ANOTHER_DESK.search(lowered)) and not SENIOR_ROLE.search(lowered)
