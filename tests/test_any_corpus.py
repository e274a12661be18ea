"""Nothing about one corpus in code: the product must serve any career corpus unchanged."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = [p for p in (ROOT / "advisor").rglob("*") if p.suffix in (".py", ".txt", ".yaml")] + [ROOT / "app.py"]

# The starter corpus's roles, its sources and the currency list the code once hard-wired.
STARTER_WORDS = re.compile(
    r"\b(?:ai|ml|genai|machine[- ]learning)[- ]engineer|\bhowell\b|levels\.fyi|\btds\b|towards data science|"
    r"\bvideo summary\b|\balice\b|\[\$£€\]|\[£\$€\]",
    re.I,
)
NURSING_WORDS = re.compile(r"registered nurse|nurse practitioner|\bnclex\b|\baanp\b", re.I)


def test_the_code_names_no_corpus():
    hits = []
    for path in CODE:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if STARTER_WORDS.search(line) or NURSING_WORDS.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_the_check_above_can_fail():
    assert STARTER_WORDS.search("How much does an ML engineer earn?")
    assert STARTER_WORDS.search('_NUMBER = re.compile(r"[$£€]")')
    assert NURSING_WORDS.search("a registered nurse")


def test_the_gates_negative_probes_name_no_job():
    from advisor.gate import unanswerable_probes

    probes = unanswerable_probes()
    assert len(probes) >= 50
    jobs = re.compile(r"\b(job|jobs|career|careers|salary|salaries|earn|pay|hire|hiring|work as|become a|"
                      r"engineer|nurse|doctor|teacher|pilot|designer|developer|accountant)\b", re.I)
    assert not [p for p in probes if jobs.search(p)]


def test_the_refusal_scope_follows_a_store_that_grew_past_its_profile():
    """Issue 22: a store of four career pairs refused with the one comparison its profile.yaml named."""
    from advisor.gate import DEFAULT
    from advisor.profile import CorpusProfile, StoreProfile

    class Named:
        headed_careers: list = []  # saved before subjects knew their headings

        def __init__(self, names):
            self.variants = names

        def label(self, name):
            return name

        def find(self, text):
            return {n for n in self.variants if n in text}

    own = CorpusProfile("Pharmacy", "what pharmacists and pharmacy technicians do")
    one_pair = StoreProfile(1, own, Named(["pharmacists", "pharmacy technicians", "physicians"]), DEFAULT)
    assert one_pair.refusal().endswith("They can help with what pharmacists and pharmacy technicians do.")
    grown = StoreProfile(2, own, Named(["pharmacists", "pharmacy technicians", "electricians", "plumbers",
                                        "lawyers", "paralegals", "translators", "interpreters"]), DEFAULT)
    text = grown.refusal()
    assert all(n in text for n in ("pharmacists", "plumbers", "paralegals", "interpreters")), text


def test_careers_named_in_a_title_and_a_plural_abbreviation_are_found():
    """"How to become a physiotherapist" in a title is a role context; "occupational therapists (OTs)" defines OT."""
    from advisor.subjects import find_subjects

    docs = [
        ("How to become a physiotherapist or an occupational therapist",
         "Physiotherapists and occupational therapists (OTs) both work in hospitals. A physiotherapist treats "
         "injuries; an OT adapts homes. Physiotherapists earn a little more than OTs."),
        ("Physiotherapist or occupational therapist: pay",
         "A physiotherapist starts on band 5, as does an occupational therapist. Occupational therapists who "
         "work in schools see children. Physiotherapists often work weekends."),
    ]
    subjects = find_subjects(docs)
    assert set(subjects.variants) == {"physiotherapist", "occupational therapist"}
    assert subjects.headed == ["occupational therapist", "physiotherapist"]  # named in a title
    assert subjects.variants["occupational therapist"] == ["ot"]
    assert subjects.display["physiotherapist"] == "physiotherapist"  # the body's capitals, not the title's


def test_a_glossed_name_and_a_clipped_compound_are_variants_of_a_career_and_look_alikes_are_not():
    """"physiotherapists (physical therapists)" glosses one name with another; "a physio"/"physios" clips
    "physiotherapist", is named as work ("become a physio") and leaves "therapist", a noun of the text; "PTs" are the initials of the gloss. "An account"/"accounts" starts "accountant"
    but leaves no noun, and "(APRNs)" is an abbreviation, not a gloss."""
    from advisor.subjects import find_subjects

    docs = [
        ("How to become a physiotherapist or an accountant",
         "Physiotherapists (physical therapists) treat injuries. To become a physio takes three years; physios "
         "work weekends. "
         "A physiotherapist earns less than an accountant, and physical therapists in the US need a doctorate; "
         "PTs there are licensed. "
         "Accountants keep an account of every payment; accounts are audited. Therapists and other "
         "advanced practice registered nurses (APRNs) see patients too."),
        ("Physiotherapist or accountant: pay",
         "A physiotherapist starts on band 5. An accountant who qualifies earns more. Physiotherapists often work "
         "weekends; accountants who audit work long hours. A therapist may work alone."),
    ]
    subjects = find_subjects(docs)
    assert set(subjects.variants) == {"physiotherapist", "accountant"}
    assert subjects.variants["physiotherapist"] == ["physical therapist", "physio", "pt"]  # "PTs": its initials
    assert subjects.variants["accountant"] == []
    assert subjects.find("Should I see a physio?") == {"physiotherapist"}
    assert subjects.spell_out("What do PTs earn?") == "What do physical therapists earn?"


def test_a_rank_of_a_career_is_a_variant_of_it_and_a_word_that_starts_a_name_is_no_career():
    """"Sommelier" is used alone more often than in "Master Sommelier", its one longer name, which the text writes
    as a title: the career is the sommelier, and a master sommelier one of its ranks (corpora/dev-hospitality made
    "Master sommelier" a career and left "sommelier" none). "Event", which starts "event planner", stays no
    subject; "airline pilot", written in lower case, is a kind of pilot, not a rank, and stays the subject."""
    from advisor.subjects import find_subjects

    docs = [
        ("Sommelier or event planner: which suits you?",
         "A sommelier tastes wine; sommeliers who work in hotels earn more. To become a sommelier takes years. "
         "A Master Sommelier passed the hardest exam; few Master Sommeliers work in restaurants. An event planner "
         "books venues; event planners who work for hotels plan an event each week, and events take months."),
        ("How to become a sommelier or an event planner",
         "Sommeliers who study pass exams; a sommelier earns less than an event planner. The Master Sommeliers "
         "earn most. Event planners earn well; an event planner role suits organisers, events grow."),
    ]
    subjects = find_subjects(docs)
    assert set(subjects.variants) == {"sommelier", "event planner"}
    assert subjects.variants["sommelier"] == ["master sommelier"]
    assert subjects.find("Do master sommeliers earn more?") == {"sommelier"}
    lower = [(title, text.replace("Master Sommelier", "master sommelier")) for title, text in docs]
    assert "master sommelier" in find_subjects(lower).variants


def test_a_subject_is_written_as_the_documents_write_it_head_and_all():
    """A name the text capitalises throughout is shown so ("Certified Public Accountant", not the "Certified
    Public accountant" the page's scope said for dev-finance); initials keep a lower-case head ("UX designer"),
    and so does one word a sentence's start capitalised ("Licensed plumbers…")."""
    from advisor.subjects import find_subjects

    docs = [
        ("Certified Public Accountant or UX designer?",
         "A Certified Public Accountant audits firms. Certified Public Accountants earn well; to become a Certified "
         "Public Accountant takes years. A UX designer sketches screens; UX designers earn well too."),
        ("How to become a Certified Public Accountant or a UX designer",
         "Certified Public Accountants who audit work long hours. UX designers who test work with users."),
    ]
    subjects = find_subjects(docs)
    assert {subjects.name(s) for s in subjects.variants} == {"Certified Public Accountant", "UX designer"}
    from advisor.subjects import _written
    assert _written("Licensed", "plumber") == "Licensed plumber"


def test_a_store_abbreviation_is_spelled_out_in_what_the_person_writes_and_a_subject_stays_a_subject():
    """The store defines "ATPL" and "DGAC" by their words (either way round, "de" and an elided article left out
    of the initials): the gate reads a question's "ATPLs" with them. "(APRNs)" without words that spell it, and a
    subject's own initials, make no glossary entry."""
    from advisor.subjects import find_subjects

    docs = [
        ("How to become a pilot or an air traffic controller",
         "A pilot needs an Airline Transport Pilot Licence (ATPL). Pilots who fly in France answer to the "
         "DGAC (Direction générale de l'aviation civile). An air traffic controller works in a tower; air traffic "
         "controllers (ATCs) earn well. Therapists (APRNs) are no abbreviation of theirs."),
        ("Pilot or air traffic controller: pay",
         "A pilot earns more. An air traffic controller who qualifies earns a steady wage; pilots and air traffic "
         "controllers work shifts. The ATPL takes years. Become a pilot, an air traffic controller or an ATC."),
    ]
    subjects = find_subjects(docs)
    assert subjects.glossary == {"ATPL": "airline transport pilot licence",
                                 "DGAC": "direction générale de l'aviation civile"}
    assert subjects.spell_out("Do ATPLs cost much?", initials=True, glossary=True) == \
        "Do ATPLs (airline transport pilot licence) cost much?"
    assert subjects.spell_out("Do ATPLs cost much?", initials=True) == "Do ATPLs cost much?"  # retrieval's
    assert type(subjects).from_json(subjects.to_json()).glossary == subjects.glossary


def test_an_everyday_word_a_career_starts_with_and_a_gloss_of_another_kind_are_no_variants():
    """"a stock"/"stocks" start "stockbroker" and leave "broker", a noun of the text, but no text names a stock
    as anyone's work; "electricians (apprentices)" glosses a stage, not another name, and ends unlike it."""
    from advisor.subjects import find_subjects

    docs = [
        ("How to become a stockbroker or an electrician",
         "A stockbroker buys a stock for a client; stocks rise and fall. Brokers and a broker's clients trade. "
         "Electricians (apprentices) start on low pay. An electrician who qualifies earns more."),
        ("Stockbroker or electrician: pay",
         "A stockbroker earns commission; stockbrokers who succeed earn well. An electrician works on sites, "
         "and electricians earn a steady wage. Apprentices earn less; an apprentice learns on the job."),
    ]
    subjects = find_subjects(docs)
    assert set(subjects.variants) >= {"stockbroker", "electrician"}
    assert subjects.variants["stockbroker"] == [] and subjects.variants["electrician"] == []
    assert subjects.find("Should I buy stocks?") == set()


def test_the_scope_names_the_careers_the_articles_titles_name_not_every_worker_they_mention():
    """A store's subjects hold every kind of worker its articles talk about ("graduates", "bank"); the scope a
    refusal and the page show names the careers its titles are about. Without titles that name one, all count."""
    from advisor.gate import DEFAULT
    from advisor.profile import CorpusProfile, StoreProfile
    from advisor.subjects import Subjects

    subjects = Subjects({"financial analyst": [], "certified public accountant": ["cpa"], "graduate": [], "bank": []})
    titles = ["How to become a CPA", "Financial analysts: pay and outlook"]
    scope = StoreProfile(1, CorpusProfile(), subjects, DEFAULT, titles).scope
    assert scope.startswith("what financial analysts and certified public accountants do"), scope
    assert "graduates" not in scope and "banks" not in scope
    untitled = StoreProfile(1, CorpusProfile(), subjects, DEFAULT, ["Notes", "More notes"]).scope
    assert "graduates" in untitled and "financial analysts" in untitled
    # subjects that know the headings naming them: those are the careers, whatever the titles say
    headed = Subjects(subjects.variants, headed=["certified public accountant", "financial analyst"])
    scope = StoreProfile(1, CorpusProfile(), headed, DEFAULT, ["Notes", "More notes"]).scope
    assert scope.startswith("what financial analysts and certified public accountants do"), scope
