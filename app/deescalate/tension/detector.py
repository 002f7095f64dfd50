"""Fusion: voice, words and conversation into one score (0-100), a level and its reasons.

Everything is driven by call time (`t` of the events), so a replay and a live call agree.
Evidence is a list of hits whose points fade with a 20 s half-life; the customer's voice
adds points while it is louder, higher, faster or more effortful than the same caller's
own baseline. The baseline starts from a population prior, so a caller angry from the first
words is judged against ordinary speech rather than against their own anger, and adapts to
the caller (median and MAD of calm stretches) as the call goes on. Levels move with
hysteresis; a threat of violence is `unsafe` at once and stays so for a while, but only
when open recognition finalised it with confident words.
"""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from deescalate.core.events import (
    Event,
    Reason,
    TensionEvent,
    TranscriptEvent,
    VoiceEvent,
    Word,
    plain_word,
)
from deescalate.tension.cues import (
    ABUSIVE_WORDS,
    LISTED_ABUSE,
    LISTED_SENIOR,
    SENIOR_REQUEST,
    THREAT_WORDS,
    Cue,
    CueSource,
)
from deescalate.tension.text_model import TextScore, tokens
from deescalate.tension.words import COMPLAINT_POINTS, CueMatch, WordCues, asks_for_someone_else

TICK = 0.5
SHOWN_POINTS = 0.5
"""Reasons worth fewer points still count in the score but are not named."""
HALF_LIFE = 20.0
FORGET_AFTER = 10 * HALF_LIFE
"""Seconds after which a hit has faded to nothing (a thousandth) and is dropped."""
REMEMBERED_LINES = 50
"""Earlier customer utterances compared for repetition."""
HIT_MARGIN = 0.3
"""A cue heard again in overlapping words (the spotter or settled words of a partial, then
the final) is one hit; seconds of slack on the overlap. Two finals are always two hits."""
UNSAFE_HOLD = 45.0
CONFIDENT = {"whisper": (0.2, 0.5)}
"""The least confidence (0-1) any word of a threat may have, and the least mean over its
words, before the call is made unsafe, per recogniser. Whisper's confidence is the
probability of each word given the words before it, low for a correctly heard but
unexpected word ("regret": 0.3-0.6 in six voices); Vosk's is a posterior near 1 for words
it is sure of."""
CONFIDENT_OTHERS = (0.7, 0.7)
SPOTTED_SHARE = 0.5
"""A cue only the keyword spotter heard counts for this share of its points."""
ENTER = {"tense": 25.0, "heated": 60.0}
LEAVE = {"tense": 20.0, "heated": 45.0}

VOICE_MAX_POINTS = 35.0
PRIOR_MAX_POINTS = 15.0
"""Raised-voice points while the baseline is still mostly the population prior: a
stranger's loud voice is weaker evidence than a known caller's raised one."""
REPEAT_SIMILARITY = 0.5
OVERTALK_POINTS = 6.0
OVERTALK_MIN_SECONDS = 1.5
"""A customer run shorter than this over the agent is a backchannel ("mm", "yeah")."""
OVERTALK_EVERY = 10.0
VENT_SECONDS = 20.0
VENT_POINTS = 8.0
WORDS_RECENT = 10.0
"""Overtalk and venting need customer words within this many seconds: voice with no words
on the customer's channel is echo or noise."""
FAST_SPEECH_POINTS = 6.0
LISTED_AS = {ABUSIVE_WORDS: set(LISTED_ABUSE), SENIOR_REQUEST: set(LISTED_SENIOR)}
"""Phrasebook cues that already answer for the same words: heard, the model's cue is not."""
SENIOR_CUES = {SENIOR_REQUEST, *LISTED_SENIOR}
FUNCTION_WORDS = {
    "i", "i'll", "ill", "i'm", "im", "will", "you", "your", "you're", "be", "to", "the", "a",
    "and", "is", "it", "that", "this", "we", "me", "my", "of", "for", "on", "in", "at", "do",
    "going", "gonna", "get", "so", "just", "if", "or", "are", "was", "have", "what",
}  # fmt: skip
QUOTED_WHOLE = 12
"""Words of an utterance quoted whole when its meaning, not a few words, carried it."""
AGENT_RAISED_VOICE = "agent_raised_voice"
AGENT_RAISED_POINTS = 12.0
"""Smoothed raised-voice points (the caller's scale) from which the agent's own voice has
risen, while the caller is tense: the moment to coach a lower, slower voice."""
AGENT_COACH_EVERY = 60.0
REPEATED_SARCASM = "repeated_sarcasm"
SARCASM_CUES = {"sarcasm"}
REPEATED_SARCASM_POINTS = 12.0
"""Sarcasm a second time or more: not a joke any more, as much as a complaint said again."""
RUN_GAP = 2.0
"""Customer finals less than this apart, with no agent words between, are one stretch of
talk (for venting heard in words)."""
OVERLAP_KEPT = 0.5
"""Share of the weaker of the model's and the listed phrases' points, for one utterance,
added to the stronger: a little more evidence when both agree, never the two in full."""
UNSURE_ABUSE_POINTS = 20.0
"""Abuse the model is not sure of counts, but can't make a call tense on its own: a
recogniser's garble of "thank you very much" can read like "and you", and a polite caller
must not be told to keep it respectful."""
THREAT_POINTS = 100.0
UNCONFIRMED_THREAT_POINTS = 15.0
"""A threat not sure enough to make the call unsafe: worth attention, not alarm."""
SENIOR_POINTS = 15.0
"""As the phrasebook's own threat and supervisor-request cues."""


SENTENCE_END = re.compile(
    r"(?<=[.!?;])\s+|,\s+(?=(?:i|i'm|i'd|i've|i'll|you|you're|we|can|could|would|will|put|get)\b)",
    re.I,
)
"""Where a sentence ends, or a new one starts after a comma ("..., I'd like this passed up")."""
Reading = tuple[TranscriptEvent, TextScore]
"""An utterance, or one of its sentences, and the text model's reading of it."""


def strongest(readings: list[Reading], head: str) -> Reading:
    return max(readings, key=lambda reading: reading[1].heads[head])


def carried_by_words(score: TextScore, head: str) -> bool:
    """Whether words with a meaning of their own are among those that pushed the head up
    most. In "ill choke the life out of you" they are not ("ill", "of you"): the sentence's
    meaning carried it, which `TextModel.meaning_carries` tells from a promise's shape."""
    carried = {w for name in score.strongest[head] for w in name.split()}
    return bool(carried - FUNCTION_WORDS)


@dataclass(frozen=True)
class Hit:
    t: float
    cue: str
    points: float
    words: str
    speaker: str
    unsafe: bool = False
    start: float = 0.0
    end: float = 0.0
    spotted: bool = False
    """Only the keyword spotter heard it: possibly heard, never quoted."""
    provisional: bool = False
    """Heard before the final result (the spotter, settled words of a partial): the final
    hears it again in the same words, and the two are one hit."""
    example: str = ""
    """A cue matched by example: which of its examples, and how close (0-1)."""
    closeness: float = 0.0


# Population prior: (centre, spread) of each feature in ordinary speech, and two logistic
# regressions over deviations from the baseline (in spreads): one tells angry from calm
# speech (arousal), the other angry from happy (anger, not joy). Both fitted on RAVDESS by
# tests/bench/fit_voice.py, which prints these numbers. Loudness is at the capture level
# before gain control; pitch in semitones above 100 Hz; c0-c6 mel-cepstral coefficients.
PRIOR = {
    "loudness": (-26.0, 6.0),  # not fitted: RAVDESS was recorded far quieter than a headset
    "pitch": (10.157, 7.451),
    "spread": (1.23, 0.964),
    "alpha": (-14.03, 4.225),
    "hnr": (5.24, 2.728),
    "centroid": (0.429, 0.116),
    "swing": (3.64, 1.809),
    "c0": (-127.95, 38.029),
    "c1": (42.68, 11.727),
    "c2": (4.15, 8.673),
    "c3": (7.22, 11.609),
    "c4": (-3.83, 7.398),
    "c5": (-3.33, 6.064),
    "c6": (-4.51, 5.263),
    "flux": (1.394, 0.415),
}
AROUSAL_WEIGHTS = {
    "loudness": 2.218,
    "swing": 1.546,
    "alpha": 0.003,
    "centroid": -0.02,
    "hnr": -1.074,
    "c0": 0.092,
    "flux": -0.341,
    "pitch": -0.74,
}
AROUSAL_BIAS = -2.221
ANGER_WEIGHTS = {
    "c0": 0.331,
    "c1": -1.286,
    "c2": 1.173,
    "c3": -0.828,
    "c4": -0.801,
    "c5": 0.831,
    "c6": 2.205,
    "hnr": -0.791,
}
ANGER_BIAS = -0.754
ANGER_SHARE = 0.3
"""Weight of the anger-not-joy model against the arousal model: p = arousal x anger^share."""
VOICE_FLOOR = 0.45
"""Combined probability below which the voice adds nothing."""
DEVIATION_LIMIT = 3.0
"""Deviations beyond this many spreads count as this many: with few windows learnt, a
feature's spread can be tiny, and one feature far off would outvote all the others."""
PRIOR_WEIGHT = 8
"""The prior counts as this many observed windows."""
MIN_SPREAD = {name: max(0.05, spread / 4) for name, (_, spread) in PRIOR.items()}
BASELINE_WINDOWS = 120


def window_features(voice: VoiceEvent) -> dict[str, float]:
    features = {
        "loudness": voice.loudness_db,
        "pitch": 12 * math.log2(max(voice.pitch_hz, 1.0) / 100.0),
        "spread": voice.pitch_spread,
        "alpha": voice.alpha_ratio,
        "hnr": voice.hnr_db,
        "centroid": voice.centroid_khz,
        "swing": voice.loudness_swing,
        "flux": voice.flux,
    }
    for i in range(7):  # without a cepstrum (older events), the prior's centre: no evidence
        name = f"c{i}"
        features[name] = voice.cepstrum[i] if len(voice.cepstrum) > i else PRIOR[name][0]
    return features


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


@dataclass
class Baseline:
    """A speaker's normal voice: the population prior, moved towards the median and MAD of
    the windows learnt from this caller while the call was calm."""

    seen: deque = field(default_factory=lambda: deque(maxlen=BASELINE_WINDOWS))
    _cache: dict | None = None

    def learn(self, voice: VoiceEvent) -> None:
        self.seen.append(window_features(voice))
        self._cache = None

    @property
    def count(self) -> int:
        return len(self.seen)

    @property
    def prior_share(self) -> float:
        return PRIOR_WEIGHT / (PRIOR_WEIGHT + self.count)

    def centre_and_spread(self) -> dict[str, tuple[float, float]]:
        if self._cache is None:
            share = self.prior_share
            self._cache = {}
            for name, (centre, spread) in PRIOR.items():
                if self.seen:
                    values = np.array([w[name] for w in self.seen])
                    median = float(np.median(values))
                    mad = 1.4826 * float(np.median(np.abs(values - median)))
                    centre = share * centre + (1 - share) * median
                    spread = share * spread + (1 - share) * max(mad, MIN_SPREAD[name])
                self._cache[name] = (centre, spread)
        return self._cache

    def deviations(self, voice: VoiceEvent) -> dict[str, float]:
        """How far this window is above the baseline, in spreads, per feature."""
        stats = self.centre_and_spread()
        values = window_features(voice)
        limit = DEVIATION_LIMIT
        return {
            name: max(-limit, min(limit, (values[name] - c) / s)) for name, (c, s) in stats.items()
        }

    def anger(self, voice: VoiceEvent) -> float:
        """How angry (not merely aroused) this window sounds against the baseline, 0-1."""
        d = self.deviations(voice)
        aroused = AROUSAL_BIAS + sum(w * d[n] for n, w in AROUSAL_WEIGHTS.items())
        angry = ANGER_BIAS + sum(w * d[n] for n, w in ANGER_WEIGHTS.items())
        return _sigmoid(aroused) * _sigmoid(angry) ** ANGER_SHARE

    def arousal(self, voice: VoiceEvent) -> float:
        """Points for this window: sounding angry against this caller's usual voice."""
        points = VOICE_MAX_POINTS * max(0.0, self.anger(voice) - VOICE_FLOOR) / (1 - VOICE_FLOOR)
        cap = self.prior_share * PRIOR_MAX_POINTS + (1 - self.prior_share) * VOICE_MAX_POINTS
        return min(cap, points)


@dataclass
class Assessment:
    t: float
    score: float
    level: str
    reasons: tuple[Reason, ...]
    new_hits: list[Hit] = field(default_factory=list)


@dataclass
class _Talk:
    """Who is talking, half second by half second, for overtalk and venting."""

    agent_run: float = 0.0
    customer_run: float = 0.0
    customer_started_over_agent: bool = False
    counted_run: bool = False
    last_overtalk: float = -math.inf
    vent_run: float = 0.0
    vented_at: float = -math.inf


class TensionDetector:
    def __init__(self, cues: CueSource) -> None:
        self.words = WordCues(cues)
        self.hits: list[Hit] = []
        self.level = "calm"
        self._baselines: dict[str, Baseline] = {}
        self._voice_points = 0.0
        self._agent_voice_points = 0.0
        self._agent_coached_at = -math.inf
        self._sarcasm_heard = 0
        self._customer_run_start: float | None = None
        self._customer_run_end = -math.inf
        self._run_vented = False
        self._talk = _Talk()
        self._customer_words_at = -math.inf
        self._rates: deque[float] = deque(maxlen=30)
        self._customer_lines: list[set[str]] = []
        self._unsafe_until = -math.inf
        self._next_tick = TICK
        self._pending: list[Hit] = []
        self._asked_senior = False
        self._unsure_senior: Hit | None = None
        """A request for someone senior the model half believes, kept until asked again."""
        self._agent_said_at = -math.inf

    # --- input -------------------------------------------------------------------------

    def feed(self, event: Event) -> list[Assessment]:
        """Takes any pipeline event; returns an assessment per half second of call time passed."""
        out = self.advance(event.t)
        if isinstance(event, TranscriptEvent):
            self._words(event)
        elif isinstance(event, VoiceEvent):
            self._voice(event)
        return out

    def assess_threat_now(self, t: float) -> list[Assessment]:
        """An assessment at `t` when a confirmed threat was just heard: it can't wait for
        the next half second. Nothing otherwise."""
        if any(hit.unsafe for hit in self._pending):
            return [self._assess(t)]
        return []

    def advance(self, t: float) -> list[Assessment]:
        out = []
        while self._next_tick <= t + 1e-9:
            out.append(self._assess(self._next_tick))
            self._next_tick += TICK
        return out

    def _words(self, event: TranscriptEvent) -> None:
        if event.speaker == "customer" and event.text.strip():
            self._customer_words_at = event.t
        # Partial results are revised as the speaker goes on; only finals, the settled
        # words of a streaming partial and the spotter's hits (final by nature) give
        # evidence. Listed threats are matched in settled words as soon as they come (the
        # final finds them again in the same words, and they count once: `_hit`); other cues
        # wait for the final, as words later in the sentence can change their meaning
        # ("oh great ... thank you").
        if not event.final:
            if event.stable:
                self._settled_threats(settled_part(event))
            return
        matches = self.words.match(event.text, event.speaker)
        for match in matches:
            self._hit(event, match)
        if event.spotted:
            return
        self._talk_run(event)
        if any(m.cue.id in SARCASM_CUES for m in matches):
            self._sarcasm_heard += 1
            if self._sarcasm_heard >= 2:
                words, points = event.text, REPEATED_SARCASM_POINTS
                hit = Hit(event.t, REPEATED_SARCASM, points, words, "customer")
                self._add(replace(hit, start=event.start, end=event.end))
        if event.speaker == "customer":
            points = self._meaning(event, matches)
            complaint = points >= COMPLAINT_POINTS or any(m.cue.weight > 0 for m in matches)
            self._repetition(event, complaint)
            self._speaking_rate(event)
        elif event.text.strip():
            self._agent_said_at = event.t
            if event.text.strip().lower() == "no":
                self._add(Hit(event.t, "agent_flat_no", 0.0, "no", "agent"))

    def _talk_run(self, event: TranscriptEvent) -> None:
        """A customer talking on for VENT_SECONDS, heard in the words (a recording or
        transcript gives no voice activity): long venting, counted as its final arrives."""
        if event.speaker != "customer":
            self._customer_run_start = None
            return
        if self._customer_run_start is None or event.start - self._customer_run_end > RUN_GAP:
            self._customer_run_start, self._run_vented = event.start, False
        self._customer_run_end = event.end
        long_enough = event.end - self._customer_run_start >= VENT_SECONDS
        if long_enough and not self._run_vented and event.t - self._talk.vented_at > VENT_SECONDS:
            self._run_vented, self._talk.vented_at = True, event.t
            self._add(Hit(event.t, "long_venting", VENT_POINTS, "", "customer"))

    def _settled_threats(self, settled: TranscriptEvent) -> None:
        """Listed threats in the words a streaming recogniser has settled on act at once. A
        threat only the model reads waits for the final: a sentence's first words can read
        as one that the rest undoes ("I'll be at your office" ... "first thing to drop the
        forms off")."""
        for match in self.words.match(settled.text, settled.speaker):
            if match.cue.unsafe:
                self._hit(settled, match, provisional=True)

    def _readings(self, event: TranscriptEvent, score: TextScore) -> list[Reading]:
        """The whole utterance's reading, and each sentence's when it has several: a
        threat or a request after other talk ("I've run every test. I'd like this passed
        up the chain.") reads weaker in the whole than it is."""
        sentences = [s for s in SENTENCE_END.split(event.text.strip()) if len(tokens(s)) >= 3]
        if len(sentences) < 2:
            return [(event, score)]
        each = [(replace(event, text=s), self.words.text_score(s)) for s in sentences]
        return [(event, score), *each]

    def _sure_threat(self, score: TextScore) -> bool:
        """The model is sure, and more than a threat's shape carried it: "i will ... you"
        alone is how many threats begin, and many promises too."""
        model = self.words.model
        if score.heads["threat"] < model.sure["threat"]:
            return False
        return carried_by_words(score, "threat") or score.meaning["threat"] >= model.meaning_carries

    def _threat_in_context(self, score: TextScore) -> bool:
        """A threat read in a call that is still calm needs the stricter bar: plans and
        errands ("I know your opening hours, I'll call back") share a threat's shape, and
        a caller who threatens is rarely calm a moment before."""
        alone = self.words.model.sure["threat_alone"]
        return self.level != "calm" or score.heads["threat"] >= alone

    def _meaning(self, event: TranscriptEvent, matches: list[CueMatch]) -> float:
        """Adds what the text model reads in a customer's final; returns its points."""
        score = self.words.text_score(event.text)
        readings = self._readings(event, score)
        sure = self.words.model.sure
        listed = {m.cue.id for m in matches}
        sentence, threat_score = strongest(readings, "threat")
        threat = any(m.cue.unsafe for m in matches) or self._sure_threat(threat_score)
        if threat and not any(m.cue.unsafe for m in matches):
            self._threat_by_meaning(sentence, threat_score)
        if not listed & LISTED_AS[SENIOR_REQUEST] and not asks_for_someone_else(event.text):
            self._senior_request(*strongest(readings, "senior"))
        n_words = len(tokens(event.text))
        points = self.words.model.points(score, n_words)
        # An insult said of a thing or someone else ("the engineer you sent was an idiot")
        # still reads as abuse to the model: it adds points, but sets no boundary.
        sure_abuse = score.heads["abuse"] >= sure["abuse"] and not self.words.insults_others(
            event.text
        )
        # A threat already answers for its words: they are not abuse as well.
        abusive = sure_abuse and not listed & LISTED_AS[ABUSIVE_WORDS] and not threat
        if not sure_abuse and self.words.model.abuse_leads(score, n_words):
            points = min(points, UNSURE_ABUSE_POINTS)
        cue, head = (ABUSIVE_WORDS, "abuse") if abusive else ("negative_words", "anger")
        # The model and the listed phrases read the same words: together they count as the
        # stronger of the two, plus a share of the weaker, not twice.
        listed_points = sum(m.cue.weight for m in matches if not m.cue.unsafe)
        points -= (1 - OVERLAP_KEPT) * min(points, listed_points)
        if points >= 0.05 or abusive:
            words = self.words
            shown = self._quote(event, score, head) if abusive else words.strongest_words(score)
            self._meaning_hit(Hit(event.t, cue, round(points, 2), shown, "customer"), event)
        return points

    def _senior_request(self, event: TranscriptEvent, score: TextScore) -> None:
        """A request for someone senior the model is sure of counts at once. One it only
        half believes counts once the caller asks again: two such requests in one call
        are as telling as one it is sure of ("can you go and get your guvnor")."""
        chance, sure = score.heads["senior"], self.words.model.sure
        if chance < sure["senior_again"]:
            return
        words = self._quote(event, score, "senior")
        hit = Hit(
            event.t,
            SENIOR_REQUEST,
            SENIOR_POINTS,
            words,
            "customer",
            start=event.start,
            end=event.end,
        )
        kept = self._unsure_senior
        if chance >= sure["senior"] or self._asked_senior:
            self._add(hit)
        elif kept is None:
            self._unsure_senior = hit
        elif self._agent_said_at > kept.t:  # asked again after the agent answered
            self._add(hit)

    def _threat_by_meaning(self, event: TranscriptEvent, score) -> None:
        words = self._quote(event, score, "threat")
        confident = _confident(event.words, words, event.recogniser)
        unsafe = confident and self._threat_in_context(score)
        points = THREAT_POINTS if unsafe else UNCONFIRMED_THREAT_POINTS
        hit = Hit(event.t, THREAT_WORDS, points, words, "customer", unsafe)
        self._meaning_hit(hit, event)

    def _quote(self, event: TranscriptEvent, score, head: str) -> str:
        """The stretch of the utterance that carried a head: from the first to the last of
        its strongest words, at most eight words. When only small words ("im gonna",
        "your") stood out, the sentence's meaning carried it: the whole of a short
        utterance is quoted."""
        said = event.text.split()
        plain = [plain_word(w) for w in said]
        strongest = {plain_word(w) for name in score.strongest[head] for w in name.split()}
        if not strongest - FUNCTION_WORDS and len(said) <= QUOTED_WHOLE:
            return " ".join(said).strip(",.;:!?")
        at = [i for i, w in enumerate(plain) if w in strongest] or [0]
        first, last = min(at), min(max(at), min(at) + 7)
        return " ".join(said[first : last + 1]).strip(",.;:!?")

    def _meaning_hit(self, hit: Hit, event: TranscriptEvent) -> None:
        self._add(replace(hit, start=event.start, end=event.end))

    def _confirm(self, old: Hit, hit: Hit) -> None:
        """A listed threat first heard without the certainty to escalate (the spotter's
        guess, settled words the recogniser was unsure of) is heard again, in overlapping
        words, for sure: it escalates now, as one threat (the record keeps both hearings,
        with the same start)."""
        self.hits[self.hits.index(old)] = hit
        self._pending.append(hit)
        self._unsafe_until = hit.t + UNSAFE_HOLD

    def _heard_before(
        self, cue: str, speaker: str, event: TranscriptEvent, provisional: bool
    ) -> Hit | None:
        """An earlier hit of this cue in overlapping words, unless both are finals."""
        for old in self.hits:
            if old.cue != cue or old.speaker != speaker or not (old.provisional or provisional):
                continue
            if old.start - HIT_MARGIN <= event.end and event.start <= old.end + HIT_MARGIN:
                return old
        return None

    def _hit(self, event: TranscriptEvent, match: CueMatch, provisional: bool = False) -> None:
        cue = match.cue
        provisional = provisional or event.spotted
        points = cue.weight * (SPOTTED_SHARE if event.spotted else 1.0)
        unsafe = _is_unsafe(cue, event, match)
        if cue.unsafe and not unsafe:
            points = min(points, UNCONFIRMED_THREAT_POINTS)
        old = self._heard_before(cue.id, event.speaker, event, provisional)
        if old is not None:
            heard = replace(old, points=points, words=match.words, spotted=False, unsafe=unsafe)
            if unsafe and not old.unsafe:  # a threat, never a request for someone senior
                self._confirm(old, replace(heard, t=max(old.t, event.t)))
            elif old.spotted and not event.spotted:  # open recognition confirms the guess
                self._note_senior_request(heard)
                self.hits[self.hits.index(old)] = heard
                self._pending.append(replace(heard, t=max(old.t, event.t), points=0.0))
            return
        hit = Hit(
            event.t,
            cue.id,
            points,
            match.words,
            event.speaker,
            unsafe,
            event.start,
            event.end,
            spotted=event.spotted,
            provisional=provisional,
            example=match.example,
            closeness=match.closeness,
        )
        self._add(hit)

    def _add(self, hit: Hit) -> None:
        self._note_senior_request(hit)
        self.hits.append(hit)
        self._pending.append(hit)
        if hit.unsafe:
            self._unsafe_until = hit.t + UNSAFE_HOLD

    def _note_senior_request(self, hit: Hit) -> None:
        """A request for someone senior, heard for sure: a half-believed one kept from
        earlier in the call counts now, before it."""
        if hit.cue in SENIOR_CUES and hit.speaker == "customer" and not hit.spotted:
            earlier, self._unsure_senior = self._unsure_senior, None
            self._asked_senior = True
            if earlier is not None:
                self._add(earlier)

    def _repetition(self, event: TranscriptEvent, complaint: bool) -> None:
        """A complaint said again (a plain request or thanks said twice is no complaint)."""
        words = set(event.text.lower().split())
        if len(words) < 4:
            return
        for earlier in self._customer_lines if complaint else ():
            overlap = len(words & earlier) / len(words | earlier)
            if overlap >= REPEAT_SIMILARITY:
                self._add(Hit(event.t, "repeated_complaint", 12.0, event.text, "customer"))
                break
        self._customer_lines = [*self._customer_lines[-(REMEMBERED_LINES - 1) :], words]

    def _speaking_rate(self, event: TranscriptEvent) -> None:
        """Words per second of a final with word times, against the caller's usual rate."""
        words = event.words
        if len(words) < 4 or words[-1].end - words[0].start <= 0.5:
            return
        rate = len(words) / (words[-1].end - words[0].start)
        usual = float(np.median([3.0, 3.0, 3.0, *self._rates]))  # prior: three words a second
        self._rates.append(rate)
        if rate > 1.35 * usual:
            self._add(Hit(event.t, "fast_speech", FAST_SPEECH_POINTS, "", "customer"))

    def _voice(self, voice: VoiceEvent) -> None:
        speaking = voice.voiced >= 0.3
        if voice.speaker == "agent":
            self._talk.agent_run = self._talk.agent_run + TICK if speaking else 0.0
            self._agent_voice(voice, speaking)
            return
        if voice.speaker != "customer":
            return
        baseline = self._baselines.setdefault(voice.speaker, Baseline())
        points = 0.0
        if speaking and voice.pitch_hz > 0:
            points = baseline.arousal(voice)
            if self.level == "calm":  # a raised voice with calm words is this caller's normal
                baseline.learn(voice)
        # Smooth over about two seconds: one loud syllable is not a raised voice.
        self._voice_points += (points - self._voice_points) * 0.25
        self._overtalk(voice, speaking)
        self._venting(voice)

    def _agent_voice(self, voice: VoiceEvent, speaking: bool) -> None:
        """The agent's voice rising with a tense caller's: coaching, at most once a minute.
        Judged against the agent's own calm voice, learnt while the call is calm."""
        baseline = self._baselines.setdefault("agent", Baseline())
        points = 0.0
        if speaking and voice.pitch_hz > 0:
            points = baseline.arousal(voice)
            if self.level == "calm":
                baseline.learn(voice)
        self._agent_voice_points += (points - self._agent_voice_points) * 0.25
        rising = self._agent_voice_points >= AGENT_RAISED_POINTS and self.level != "calm"
        if rising and voice.t - self._agent_coached_at >= AGENT_COACH_EVERY:
            self._agent_coached_at = voice.t
            t = voice.t
            self._add(Hit(t, AGENT_RAISED_VOICE, 0.0, "", "agent", start=t, end=t))

    def _overtalk(self, voice: VoiceEvent, speaking: bool) -> None:
        """The customer starting to speak over the agent and keeping on: not a backchannel
        (short), not echo (starts with the agent, or carries no words)."""
        talk = self._talk
        if not speaking:
            talk.customer_run, talk.counted_run = 0.0, False
            return
        if talk.customer_run == 0.0:
            talk.customer_started_over_agent = talk.agent_run >= 2 * TICK
        talk.customer_run += TICK
        over = talk.customer_started_over_agent and talk.agent_run > 0
        long_enough = talk.customer_run >= OVERTALK_MIN_SECONDS
        worded = voice.t - self._customer_words_at <= WORDS_RECENT
        recent = voice.t - talk.last_overtalk < OVERTALK_EVERY
        if over and long_enough and worded and not talk.counted_run and not recent:
            talk.counted_run, talk.last_overtalk = True, voice.t
            self._add(Hit(voice.t, "overtalk", OVERTALK_POINTS, "", "customer"))

    def _venting(self, voice: VoiceEvent) -> None:
        """A long stretch of the customer talking, counted when they pause: the moment to
        acknowledge what they said."""
        talk = self._talk
        if voice.voiced > 0.2:
            talk.vent_run += TICK
            return
        vented = talk.vent_run >= VENT_SECONDS
        talk.vent_run = 0.0
        worded = voice.t - self._customer_words_at <= WORDS_RECENT
        if vented and worded and voice.t - talk.vented_at > VENT_SECONDS:
            talk.vented_at = voice.t
            self._add(Hit(voice.t, "long_venting", VENT_POINTS, "", "customer"))

    # --- output ------------------------------------------------------------------------

    def _assess(self, t: float) -> Assessment:
        # Forget evidence that has faded away, so a long call costs the same per tick.
        if self.hits and t - self.hits[0].t > FORGET_AFTER:
            self.hits = [h for h in self.hits if t - h.t <= FORGET_AFTER]
        contributions: dict[str, list] = {}
        for hit in self.hits:
            if hit.speaker != "customer" or hit.points <= 0 or hit.t > t:
                continue
            points = hit.points * 0.5 ** ((t - hit.t) / HALF_LIFE)
            if points < 0.05:  # below what the score shows (tenths)
                continue
            entry = contributions.setdefault(hit.cue, [0.0, "", ""])
            entry[0] += points
            if hit.spotted:
                entry[2] = entry[2] or hit.words
            else:
                entry[1] = hit.words or entry[1]
        if self._voice_points >= 1.0:
            contributions["raised_voice"] = [self._voice_points, "", ""]
        score = min(100.0, sum(entry[0] for entry in contributions.values()))
        self.level = self._next_level(score, t)
        reasons = tuple(
            Reason(cue, round(points, 1), words, "" if words else possibly)
            for cue, (points, words, possibly) in sorted(
                contributions.items(), key=lambda kv: -kv[1][0]
            )
            if points >= SHOWN_POINTS
        )
        new_hits, self._pending = (
            [h for h in self._pending if h.t <= t],
            [h for h in self._pending if h.t > t],
        )
        return Assessment(t, round(score, 1), self.level, reasons, new_hits)

    def _next_level(self, score: float, t: float) -> str:
        if t <= self._unsafe_until:
            return "unsafe"
        level = "calm" if self.level == "unsafe" else self.level
        if level == "calm" and score >= ENTER["tense"]:
            level = "tense"
        if level == "tense" and score >= ENTER["heated"]:
            level = "heated"
        if level == "heated" and score < LEAVE["heated"]:
            level = "tense"
        if level == "tense" and score < LEAVE["tense"]:
            level = "calm"
        return level


def _is_unsafe(cue: Cue, event: TranscriptEvent, match: CueMatch) -> bool:
    """A threat makes the call unsafe only from the customer, in a final result of open
    recognition (never the spotter alone), with every word of it confidently recognised."""
    if not (cue.unsafe and event.speaker == "customer" and event.final and not event.spotted):
        return False
    return _confident(event.words, match.words, event.recogniser)


def settled_part(event: TranscriptEvent) -> TranscriptEvent:
    """The settled words of a streaming partial, as a final of their own."""
    words = event.words[: event.stable]
    text = " ".join(w.text for w in words)
    return replace(event, text=text, words=words, final=True, end=words[-1].end, stable=0)


def _confident(words: tuple[Word, ...], phrase: str, recogniser: str) -> bool:
    """Typed transcripts carry no word list and count as certain."""
    if not words:
        return True
    wanted = [plain_word(w) for w in phrase.split()]
    texts = [plain_word(w.text) for w in words]
    for i in range(len(texts) - len(wanted) + 1):
        if texts[i : i + len(wanted)] == wanted:
            confs = [w.conf for w in words[i : i + len(wanted)]]
            least, mean = CONFIDENT.get(recogniser, CONFIDENT_OTHERS)
            return min(confs) >= least and sum(confs) / len(confs) >= mean
    return False


def tension_event(assessment: Assessment) -> TensionEvent:
    return TensionEvent(assessment.t, assessment.score, assessment.level, assessment.reasons)
