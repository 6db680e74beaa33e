"""Deterministic, realistic English instructions with planted ROUGE-L near-duplicates.

Usage: ``python benchmarks/make_instructions.py OUT.jsonl N [--seed S]`` writes lines
``{"instruction": ...}``; :func:`make_instructions` returns the list.

Instructions read like Self-Instruct/Alpaca tasks: about 25 templates filled from word
lists (verbs, forms, topics built from modifier x subject, audiences, places, jobs ...).
About 12% are near-duplicates of an earlier instruction, edited (synonyms, dropped or added
words and phrases) until their ROUGE-L F against it lands in 0.62-0.70 or 0.70-0.78, so a
0.7 threshold has work on both sides of the line; about 2% are exact repeats with a
different case or punctuation.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from synthstudio.similarity import rouge_l_text


def _w(text: str) -> list[str]:
    return [" ".join(x.split()) for x in text.split(";") if x.strip()]


SUBJECTS = _w("""climate change; the printing press; renewable energy; black holes; the French
Revolution; photosynthesis; machine learning; the stock market; volcanoes; coral reefs;
social media; the human immune system; electric cars; the Roman Empire; honey bees; quantum
computing; the water cycle; urban gardening; remote work; the Silk Road; plate tectonics;
vaccines; cryptocurrency; the Great Depression; sleep; meditation; public libraries; jazz
music; the Olympic Games; recycling; ocean currents; the Internet; migratory birds;
inflation; the Moon landing; desert ecosystems; ancient Egypt; friendship; time management;
artificial intelligence; chess; minimalism; the Industrial Revolution; nuclear power; rain
forests; video games; the solar system; democracy; coffee; public speaking; volunteering;
street food; the Renaissance; glaciers; cloud computing; bicycles; urban planning; dinosaurs;
tea ceremonies; marathon training; online privacy; board games; the history of medicine;
bread baking; wind turbines; language learning; mushrooms; the Arctic; smartphones;
classical music; wildfires; the periodic table; genetics; sustainable fashion; the
Cold War; earthquakes; podcasts; origami; beekeeping; the Amazon river; tides; robotics""")
THINGS = _w("""tourism; agriculture; architecture; education; journalism; healthcare; banking;
transport; fishing; mining; poetry; painting; sculpture; photography; dance; theatre;
cinema; cuisine; gardening; parenting; nutrition; fitness; hiking; sailing; astronomy;
geology; chemistry; physics; biology; mathematics; philosophy; psychology; sociology;
linguistics; archaeology; economics; law; diplomacy; advertising; retail; logistics;
manufacturing; farming; forestry; fashion; design; software; hardware; networking;
cybersecurity; energy storage; water management; waste disposal; housing; childcare;
elections; taxation; immigration; wildlife conservation; space exploration; aviation""")
PLACE_ADJS = _w("""sustainable; ancient; modern; digital; urban; rural; local; global;
traditional; medieval; industrial; tropical; coastal; Victorian; Byzantine; Soviet;
Scandinavian; Mediterranean; Brazilian; Indian; Chinese; African; Andean; Polynesian""")
MODIFIERS = _w("""the benefits of; the risks of; the history of; the future of; common myths
about; the economics of; the science behind; the ethics of; recent advances in; the impact
of; a beginner's guide to; the role of; the basics of; everyday uses of""")
FORMS = _w("""poem; short story; haiku; limerick; blog post; news article; product
description; tweet; speech; song; essay; dialogue; letter; movie review; riddle; joke;
summary; slogan; children's story; cover letter""")
ADJS = _w("""short; funny; persuasive; formal; heartfelt; detailed; creative; concise;
informative; inspiring; sarcastic; melancholic; cheerful; two-paragraph; rhyming""")
AUDIENCES = _w("""a five-year-old; high school students; a busy executive; beginners;
software engineers; retirees; a skeptical friend; new parents; college freshmen; tourists;
small business owners; nurses; teenagers; a history teacher""")
VERBS = _w("""Write; Compose; Draft; Create; Generate""")
EXPLAIN = _w("""Explain; Describe; Summarize; Outline; Discuss""")
GOALS = _w("""lose weight; learn to code; save money; sleep better; get promoted; start a
garden; run a marathon; reduce stress; speak Spanish; write a novel; build muscle; make new
friends; invest wisely; cook healthy meals; travel on a budget; become more productive""")
PLACES = _w("""Japan; Paris; the Grand Canyon; Iceland; Kenya; New York City; Peru; Rome;
Vietnam; the Scottish Highlands; Morocco; New Zealand; Barcelona; Mexico City; Norway""")
JOBS = _w("""data analyst; nurse; product manager; chef; graphic designer; teacher;
accountant; software engineer; sales representative; pilot; librarian; electrician""")
LANGS = _w("""French; Spanish; German; Italian; Japanese; Portuguese; Chinese; Korean""")
CODE = _w("""reverses a string; checks whether a number is prime; merges two sorted lists;
counts the vowels in a sentence; finds the largest element in an array; removes duplicates
from a list; converts Celsius to Fahrenheit; validates an email address; computes the
factorial of n; returns the nth Fibonacci number""")
PLANGS = _w("""Python; JavaScript; Java; C++; Rust; Go; SQL; Ruby""")
SENTENCES = _w("""The weather is lovely today; I would like a cup of coffee, please; Where is
the nearest train station; She has been reading that book for weeks; We should leave
before it starts raining; Their team won the championship last year; Can you help me find
my keys; The museum opens at nine in the morning""")
TONES = _w("""formal; friendly; polite; professional; enthusiastic; concise; persuasive""")
MEDIA = _w("""books; movies; podcasts; documentaries; board games; albums; TV shows""")
NUMS = _w("three; five; ten; 3; 5; 7; 10; four; two; six")

TEMPLATES = [
    "{verb} a {adj} {form} about {topic}.",
    "{verb} a {form} for {aud} that explains {topic}.",
    "{explain} {topic} to {aud} in {num} sentences.",
    "{explain} how {subj} could help {aud} {goal}.",
    "Give {aud} {num} practical tips to {goal}.",
    "Generate a list of {num} {adj} questions about {topic}.",
    "What are the main differences between {subj} and {subj2}?",
    "Compare {subj} and {subj2} from the perspective of a {job}.",
    "Create a {num}-week plan for {aud} who want to {goal}.",
    "Plan a {num}-day trip to {place} for {aud} who love {subj}.",
    "Write a {plang} function that {code}.",
    "Translate the following sentence into {lang}: {sentence}.",
    "Rewrite this {form} about {subj} to make it more {tone}.",
    "Come up with {num} interview questions for a {job} in {place}.",
    "Recommend {num} {media} about {topic} for {aud}.",
    "Suggest a {adj} name for a {form} series about {topic}.",
    "Classify this headline as positive, negative or neutral: {topic} {verdict}.",
    "Is the following claim about {subj} true or false? It {verdict}.",
    "Summarize the arguments for and against {topic} for {aud}.",
    "Compose an email to a {job} asking how to {goal}.",
    "Write a {adj} dialogue between a {job} and {aud} about {topic}.",
    "Identify the main idea of this {form} about {subj}.",
    "Describe a typical day of a {job} working in {place}.",
    "List {num} mistakes {aud} make when they try to {goal}.",
    "Provide {num} examples of how {topic} affects {aud}.",
    "How can {aud} learn about {topic} on a budget?",
    "Explain why {subj} {verdict}, citing {subj2} as a counterexample.",
    "Draft a {tone} speech for a {job} about {topic}.",
    "Write a product description for the {brand} {product}.",
    "Summarize the plot of the novel {title} by {person}.",
    "Write a short biography of {person}, a {job} from {town}.",
    "Draft a press release announcing that {brand} will open an office in {place}.",
    "Explain the rules of the board game {title} to {aud}.",
    "Describe how the town of {town} changed between {year} and {year2}.",
    "Write a customer complaint about a faulty {brand} {product}.",
    "Reply to {person}, who asks whether {subj} {verdict}.",
]
VERDICTS = _w("""is overrated; will change everything; is mostly misunderstood; is getting
cheaper every year; has no real future; matters more than ever""")

CLAUSES = _w("""in the style of a pirate; using no more than 50 words; so that a child can
understand it; and include a catchy title; and end with an open question; without using
technical jargon; with at least one historical example; from the point of view of a cat;
as if you were a tour guide; and give each item a short explanation; in a numbered list;
and mention one surprising fact; as a table with two columns; using a metaphor; in the
second person; for a school newsletter; and keep it under a minute to read; with a twist
at the end; for a radio advertisement; with three clear sections""")
EXTRAS = _w("""Keep the tone {tone}.; Mention {subj2} at least once.; The readers are
{aud}.; Avoid clichés.; Do not use bullet points.; Add a one-line summary at the end.;
Assume the reader knows nothing about {subj2}.; Cite one statistic if you can.; It will be
published in {place}.; Use simple words.""")
PRODUCTS = _w("""smart kettle; running shoe; laptop bag; electric scooter; coffee grinder;
noise-cancelling headphones; standing desk; robot vacuum; water bottle; camping tent;
fitness tracker; air purifier; mechanical keyboard; baby stroller; solar charger""")
FIRST = _w("""Maria; John; Aisha; Wei; Carlos; Emma; Liam; Fatima; Hiroshi; Olga; Kwame; Priya;
Lucas; Sofia; Omar; Chloe; Ivan; Amara; Diego; Hannah; Mateo; Yuki; Nadia; Samuel""")
SYLLABLES = _w("""ka; lo; mer; vin; tra; zel; dor; qui; sa; ben; fa; rin; tos; ga; mi; lu;
ve; ron; pa; dex; ni; cor; ba; tel; su; mar; lex; ti; go; van; rea; sol""")
_ZIPF: list[float] = []


def _name(rng: random.Random) -> str:
    """A made-up proper name drawn with Zipf's law from 33,000: real instructions are full
    of names, titles and brands, so the vocabulary keeps growing with the data set."""
    if not _ZIPF:
        total = 0.0
        for rank in range(1, 33001):
            total += rank ** -1.07
            _ZIPF.append(total)
    k = rng.choices(range(33000), cum_weights=_ZIPF)[0] + 32
    parts = []
    while k:
        k, d = divmod(k, 32)
        parts.append(SYLLABLES[d])
    return "".join(parts).capitalize()


SYNONYMS = {"write": ["compose", "draft", "create"], "short": ["brief", "quick"],
            "explain": ["describe", "clarify"], "list": ["set", "collection"],
            "give": ["provide", "offer"], "main": ["key", "major"], "tips": ["ideas", "hints"],
            "funny": ["humorous", "amusing"], "create": ["design", "build", "make"],
            "questions": ["prompts", "queries"], "common": ["frequent", "typical"]}
FILLERS = ["briefly", "also", "carefully", "quickly", "clearly", "kindly", "now", "then"]
TAILS = ["in simple terms", "for a general audience", "using concrete examples",
         "in under 100 words", "step by step", "with a friendly tone", "in bullet points"]
LEADS = ["", "", "", "", "Please ", "Can you ", "I need you to "]


def _fill(rng: random.Random) -> str:
    subj, subj2 = rng.sample(SUBJECTS, 2)
    if rng.random() < 0.4:
        subj = f"{rng.choice(PLACE_ADJS)} {rng.choice(THINGS)}"
    topic = subj if rng.random() < 0.5 else f"{rng.choice(MODIFIERS)} {subj}"
    slots = dict(verb=rng.choice(VERBS), adj=rng.choice(ADJS), form=rng.choice(FORMS),
                 topic=topic, subj=subj, subj2=subj2, aud=rng.choice(AUDIENCES),
                 explain=rng.choice(EXPLAIN), num=rng.choice(NUMS), goal=rng.choice(GOALS),
                 place=rng.choice(PLACES), plang=rng.choice(PLANGS), code=rng.choice(CODE),
                 lang=rng.choice(LANGS), sentence=rng.choice(SENTENCES), job=rng.choice(JOBS),
                 tone=rng.choice(TONES), media=rng.choice(MEDIA),
                 verdict=rng.choice(VERDICTS), product=rng.choice(PRODUCTS),
                 brand=_name(rng), town=_name(rng), title=f"{_name(rng)} {_name(rng)}",
                 person=f"{rng.choice(FIRST)} {_name(rng)}", year=rng.randint(1800, 1950),
                 year2=rng.randint(1951, 2024))
    text = rng.choice(TEMPLATES).format(**slots)
    roll = rng.random()
    if roll < 0.8:
        end = text[-1]
        clauses = rng.sample(CLAUSES, 1 if roll < 0.5 else 2)
        text = text[:-1] + " " + " ".join(clauses) + end
    if rng.random() < 0.4:
        text += " " + rng.choice(EXTRAS).format(**slots)
    lead = rng.choice(LEADS)
    if lead and not text.startswith(("What", "How", "Is ")):
        text = lead + text[0].lower() + text[1:]
    return text[0].upper() + text[1:]


def _swap(word: str, new: str) -> str:
    """``new`` in place of ``word``, keeping its trailing punctuation and capital."""
    core = word.rstrip(".,:?!")
    new = new.capitalize() if core[:1].isupper() else new
    return new + word[len(core):]


def _edit(words: list[str], rng: random.Random) -> list[str]:
    """One light edit, as a model paraphrasing a task would make."""
    out = list(words)
    op = rng.random()
    syn = [i for i, w in enumerate(out) if w.lower().rstrip(".,:?!") in SYNONYMS]
    if op < 0.35 and syn:
        i = rng.choice(syn)
        out[i] = _swap(out[i], rng.choice(SYNONYMS[out[i].lower().rstrip(".,:?!")]))
    elif op < 0.55:
        last = out[-1].rstrip(".,:?!")
        out[-1:] = [last, *rng.choice(TAILS).split()]
        out[-1] += words[-1][len(last):]
    elif op < 0.75:
        out.insert(1, rng.choice(FILLERS))
    elif op < 0.9 and len(out) > 4:
        del out[rng.randrange(1, len(out) - 1)]
    else:
        i = rng.randrange(len(out))
        out[i] = _swap(out[i], rng.choice(SUBJECTS).split()[-1])
    return out


def _near_duplicate(src: str, lo: float, hi: float, rng: random.Random) -> str | None:
    """An edit of ``src`` whose ROUGE-L F against it is in (lo, hi], or None."""
    for _ in range(30):
        words = src.split()
        for _ in range(12):
            words = _edit(words, rng)
            score = rouge_l_text(src, " ".join(words))
            if lo < score <= hi:
                return " ".join(words)
            if score <= lo:
                break
    return None


def make_instructions(n: int, seed: int = 0) -> list[str]:
    """``n`` instructions, deterministic for a given ``seed``."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        roll = rng.random()
        if out and roll < 0.02:
            src = rng.choice(out)
            out.append(src.upper() if rng.random() < 0.3 else src.rstrip(".?") + "!")
        elif out and roll < 0.14:
            lo, hi = (0.62, 0.70) if rng.random() < 0.5 else (0.70, 0.78)
            dup = _near_duplicate(rng.choice(out[-5000:]), lo, hi, rng)
            out.append(dup if dup else _fill(rng))
        else:
            out.append(_fill(rng))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with args.out.open("w", encoding="utf-8") as fh:
        for text in make_instructions(args.n, args.seed):
            fh.write(json.dumps({"instruction": text}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
