"""Which sentence answers the question: read under its heading, about the subject asked (issue #12).

Made-up passages about accountants and bookkeepers, ranked with the real embedding model.
"""

import pytest
from langchain_core.documents import Document

from advisor.chain import shared_grounder
from advisor.figures import asks_about_pay
from advisor.selection import countries_asked, rank_sentences
from advisor.subjects import Subjects
from advisor.text import split_sentences

SUBJECTS = Subjects({"certified public accountant": ["cpa"], "bookkeeper": []})


@pytest.fixture(scope="module")
def grounder():
    return shared_grounder()


def _doc(text: str, title: str = "", section: str = "") -> Document:
    return Document(page_content=text, metadata={"title": title, "section": section})


def test_a_list_that_names_its_topic_only_in_its_heading_answers_that_question(grounder):
    docs = [
        _doc("Most CPAs start at one of the large firms and move to a smaller one within five years.",
             "What a CPA does", "Career path"),
        _doc("- Local charities, which must have their annual statements checked.\n"
             "- Family-run shops, which hand over their payroll and their tax returns.",
             "What a CPA does", "Typical clients"),
        _doc("A CPA signs the audit report and answers for it to the state board.", "What a CPA does", "Duties"),
    ]
    question = "Who are a CPA's typical clients?"
    best = rank_sentences(grounder, question, docs, SUBJECTS)[0]
    assert best.doc == 1, best.text
    # The premise: without the headings, the list items are not the best answer.
    bare = [Document(page_content=d.page_content) for d in docs]
    assert rank_sentences(grounder, question, bare, SUBJECTS)[0].doc != 1


def test_a_sentence_about_the_subject_asked_ranks_above_one_about_another_subject(grounder):
    docs = [_doc("The labour bureau's Occupational Outlook projects bookkeeper employment to shrink 5% from "
                 "2022 to 2032, with about 180,000 openings a year."),
            _doc("The labour bureau projects CPA employment to grow 4% from 2022 to 2032, faster than average.")]
    question = "What is the job outlook for certified public accountants?"
    assert rank_sentences(grounder, question, docs, SUBJECTS)[0].doc == 1
    # The premise: read without the store's subjects, the word "Outlook" wins it for the bookkeepers.
    assert rank_sentences(grounder, question, docs)[0].doc == 0


def test_pay_in_the_country_asked_about_ranks_above_pay_elsewhere(grounder):
    docs = [_doc("In the US, a CPA earns a median salary of $95,000 a year, according to a salary survey of "
                 "certified public accountants."),
            _doc("Recruiters in Ireland quote about €55,000 a year for accountants who have just qualified.")]
    assert rank_sentences(grounder, "How much does a CPA earn in Ireland?", docs, SUBJECTS)[0].doc == 1
    # The premise: asked about no country, or about the US, the closer US sentence leads.
    assert rank_sentences(grounder, "How much does a CPA earn?", docs, SUBJECTS)[0].doc == 0
    assert rank_sentences(grounder, "How much does a CPA earn in the US or in Ireland?", docs, SUBJECTS)[0].doc == 0
    # A name the question uses counts for the country the passages pay it in.
    docs.append(_doc("Brennan Audit pays newly qualified CPAs €58,000 a year in Ireland."))
    assert countries_asked("How does CPA pay at Brennan Audit compare with the US?", docs, SUBJECTS) == {"US", "IE"}
    assert countries_asked("How does CPA pay compare with the US?", docs, SUBJECTS) == {"US"}
    assert countries_asked("How much does a CPA at Brennan Audit earn?", docs, SUBJECTS) == set()


def test_an_abbreviation_is_spelled_out_in_the_subjects_longest_form():
    assert SUBJECTS.spell_out("CPAs and bookkeepers") == "certified public accountants and bookkeepers"
    assert SUBJECTS.spell_out("A CPA's fee") == "A certified public accountant's fee"
    assert SUBJECTS.spell_out("Certified public accountants earn") == "Certified public accountants earn"
    assert Subjects().spell_out("CPAs") == "CPAs"
    # what the person wrote: the initials of a subject's name, though no passage writes them; other capitals stay
    both = Subjects({"financial analyst": [], "chartered accountant": [], "nurse practitioner": ["np"]})
    assert both.spell_out("Accountant or FA? FAs earn more", initials=True) == (
        "Accountant or financial analyst? financial analysts earn more")
    assert both.spell_out("The CFA exam in the UK, NURSE PRACTITIONER PAY", initials=True) == (
        "The CFA exam in the UK, NURSE PRACTITIONER PAY")
    # a passage's capitals keep their meaning ("CA" for California)
    assert both.spell_out("Offices in Sacramento, CA") == "Offices in Sacramento, CA"


@pytest.mark.parametrize(("question", "about_pay"), [
    ("How much do bookkeepers make?", True),
    ("Do all sources agree on how much CPAs make in a year?", True),
    ("How much difference does a CPA licence make?", False),
    ("What do CPAs make sure of in an audit?", False),
])
def test_how_much_someone_makes_is_a_question_about_pay(question, about_pay):
    assert asks_about_pay(question) is about_pay


def test_a_model_sentence_is_judged_by_the_unit_that_quotes_what_it_restates(grounder):
    from advisor.selection import RESTATES, restated_score

    docs = [_doc("The firm in Leeds employs about forty accountants and a dozen trainees. They audit the ledgers "
                 "of local charities and check them for fraud every spring.")]
    ranked = rank_sentences(grounder, "Whose ledgers do auditors check for fraud?", docs, SUBJECTS)
    unit = next(u for u in ranked if len(u.sentences) == 2)  # "They audit…" quoted with its referent
    referent = unit.sentences[0]
    # A restatement of the referent sentence counts with the unit that quotes it, not only its own (lower) one.
    assert restated_score(grounder, referent, ranked, [0]) == max(u.score for u in ranked if referent in u.sentences)
    assert restated_score(grounder, "Pirates sail the seven seas in search of gold.", ranked, [0]) is None  # no match
    assert restated_score(grounder, referent, ranked, [1]) is None  # another passage's units are not asked
    assert 0 < RESTATES < 1


TABLE = """The Brennan Audit guide compares the two jobs on three points:

| Aspect | Bookkeeper | Auditor |
|---|---|---|
| Focus | Records every transaction: ledgers, payroll | Checks the accounts others keep |
| Tools | Spreadsheets and ledger software | Sampling plans and audit software |
| Hours | Steady all year | Long weeks before each deadline |

Both jobs reward patience with clients."""


def test_a_table_row_is_quoted_as_a_sentence_with_its_column_names(grounder):
    from advisor.reading import join_lists
    from advisor.selection import select_sentences

    rows = [s for s in split_sentences(join_lists(TABLE)) if "Bookkeeper:" in s]
    assert rows[0] == ("The Brennan Audit guide compares the two jobs on three points: Focus — Bookkeeper: Records "
                       "every transaction — ledgers, payroll; Auditor: Checks the accounts others keep.")
    assert len(rows) == 3 and not any("|" in s for s in split_sentences(join_lists(TABLE)))
    doc = _doc(TABLE, "Bookkeeper or auditor", "Side by side")
    answer = [s.text for s in select_sentences(grounder, "Which tools do bookkeepers and auditors use?", [doc])]
    assert answer[0].startswith("The Brennan Audit guide compares the two jobs on three points: Tools — ")
    # Two rows of one table are not each other's repetition, and the lead-in is said once.
    asked_both = [s.text for s in select_sentences(grounder, "How do their focus and tools differ?", [doc])]
    rows_quoted = [s for s in asked_both if "Bookkeeper:" in s]
    assert len(rows_quoted) >= 2, asked_both
    assert sum(s.startswith("The Brennan Audit guide compares") for s in asked_both) == 1


def test_a_table_cut_between_chunks_keeps_its_column_names_in_every_chunk():
    """A long comparison table is split by the token budget; the rows of a later chunk were read as no table at
    all (no header row) and never quoted."""
    from advisor.config import get_settings
    from advisor.reading import join_lists
    from ingest.chunking import chunk_document
    from ingest.loaders import LoadedDocument

    rows = "\n".join(f"| Point {i} of the comparison | what bookkeepers do about point {i} | what auditors do about "
                     f"point {i} |" for i in range(40))
    text = f"# Side by side\n\n## Compared\n\n| Aspect | Bookkeeper | Auditor |\n|---|---|---|\n{rows}\n"
    chunks = chunk_document(LoadedDocument(text, "Side by side"), get_settings())
    assert len(chunks) > 1
    for chunk in chunks:
        read = split_sentences(join_lists(chunk.text))
        assert read and all("Bookkeeper: what bookkeepers do" in s and "|" not in s for s in read), chunk.text[:200]


def test_two_sources_giving_different_figures_for_one_thing_are_both_quoted(grounder):
    """To the embedding model the two pay sentences are near copies (the figures barely count); the second gives
    another figure, so it is no repetition. The same figure from another source still is, and so is a sentence
    that gathers figures already quoted."""
    from advisor.selection import select_sentences

    asked = "How much does a bookkeeper earn in the UK?"
    sources = ["Brennan Careers puts the average bookkeeper salary in the UK at £24,000 a year.",
               "Ledger Weekly puts the average bookkeeper salary in the UK at £31,500 a year.",
               "Counting House Jobs also puts the average bookkeeper salary in the UK at £24,000 a year."]
    answer = [s.text for s in select_sentences(grounder, asked, [_doc(" ".join(sources), "Bookkeeper pay", "Pay")])]
    assert sum("£24,000" in s for s in answer) == 1 and sum("£31,500" in s for s in answer) == 1, answer
    gathered = sources + ["Both guides put the average bookkeeper salary in the UK between £24,000 and £31,500 a year."]
    from advisor.selection import ScoredSentence, _new_sums
    units = [ScoredSentence(0, i, text, 0.0, (i,), (text,)) for i, text in enumerate(gathered)]
    assert _new_sums(units[1], units[:1]) and not _new_sums(units[3], units[:2])
    answer = [s.text for s in select_sentences(grounder, asked, [_doc(" ".join(gathered), "Bookkeeper pay", "Pay")])]
    assert sum("£24,000" in s for s in answer) == 1 and sum("£31,500" in s for s in answer) == 1, answer


def test_asked_about_two_subjects_a_unit_about_one_of_them_ranks_a_little_lower(grounder, monkeypatch):
    from advisor import selection

    docs = [_doc("CPAs need strong skills in auditing, tax and accounting standards, and the judgement to apply them."),
            _doc("Bookkeepers and CPAs both rely on accuracy and care with numbers every day.")]
    question = "Which skills do CPAs and bookkeepers share?"
    scored = {u.doc: u.score for u in rank_sentences(grounder, question, docs, SUBJECTS)}
    monkeypatch.setattr(selection, "ONE_OF_SUBJECTS_PENALTY", 0.0)
    unpenalised = {u.doc: u.score for u in rank_sentences(grounder, question, docs, SUBJECTS)}
    assert unpenalised[0] - scored[0] == pytest.approx(0.05)  # about the CPA only
    assert unpenalised[1] == pytest.approx(scored[1])  # about both


def test_a_sentence_that_points_back_stays_after_its_referent_when_that_opens_the_answer(grounder):
    from advisor.selection import select_sentences

    text = ("Brennan Audit puts the difference simply. Bookkeepers record every sale and every bill in the ledger. "
            "Auditors check those ledgers and sign a report on them. The Okafor guide describes the work of auditors "
            "the same way: auditors test the accounts that bookkeepers keep. "
            "They also visit the client's office for a few weeks each year.")
    chosen = select_sentences(grounder, "What do auditors do, compared with bookkeepers?", [_doc(text)],
                              subjects=SUBJECTS)
    positions = [s.position for s in chosen]
    assert positions[0] == 3 and 1 in positions, positions  # the premise: an earlier sentence is quoted too
    assert positions[1] == 4  # "They also visit…" follows the sentence it points back to, not "Bookkeepers record…"


GLOSSARY = """Glossary

CPA licence
The state licence that lets an accountant sign audit reports in the United States.

Practical experience requirement
Three years of supervised work that a trainee logs before qualifying.

Median pay
$79,880"""


def test_a_glossary_term_is_quoted_with_its_definition(grounder):
    from advisor.reading import join_lists
    from advisor.selection import select_sentences

    read = split_sentences(join_lists(GLOSSARY))
    assert "CPA licence: The state licence that lets an accountant sign audit reports in the United States." in read
    assert "Practical experience requirement: Three years of supervised work that a trainee logs before qualifying." in read
    # A heading with a blank line under it stays a line of its own; a line that is no sentence is never a definition.
    assert "Glossary" in read and "Median pay" in read and "$79,880" in read
    # What only looks like a term: a sentence ending in a citation mark, a line wrapped mid-sentence, the start of
    # a sentence or a question over the next line, a caption over a table.
    for text in ("Accountants earn $79,880 a year.[1]\nMost work full time in offices.",
                 "CPA licence\nThe state licence that lets an accountant\nsign audit reports in the US.",
                 "You will need\nA bachelor's degree in accounting.",
                 "What a bookkeeper does not do\nA CPA signs the audit report.",
                 "Table 2 Pay by role\n| | CPA | Bookkeeper |\n|---|---|---|\n| Pay | $79,880 | $45,000 |"):
        assert not any(": " in s and s.split(": ")[0] in text.split("\n") for s in split_sentences(join_lists(text))), text
    answer = [s.text for s in select_sentences(grounder, "What is the CPA licence?", [_doc(GLOSSARY, "Terms")])]
    assert answer[0].startswith("CPA licence: "), answer


COMPARISON = """| | CPA | Bookkeeper |
|---|---|---|
| Exams | The CPA Exam: three core sections and one discipline section | None required; short bookkeeping courses help |
| Hours | Long weeks before each filing deadline | Steady hours all year |"""


def test_a_table_row_naming_both_careers_is_supported_by_its_table_and_a_swap_is_not(grounder):
    """The extractive engine quotes a row with its column names; verification reads the table the same way, so the
    row holds (read against the bare "| Exams | … |" line, the CFA half looked like a fact of the other career)."""
    from advisor.grounding import ground_sentence
    from advisor.reading import join_lists

    row = next(s for s in split_sentences(join_lists(COMPARISON)) if s.startswith("Exams"))
    assert SUBJECTS.swapped(row, SUBJECTS.clauses(COMPARISON))  # the premise: the bare table loses its columns
    assert ground_sentence(grounder, row, [COMPARISON], 0.55, SUBJECTS) is not None
    # A row's fact said of the other column's career: the bare line names no career, so only the table read with
    # its column names shows the swap.
    swapped = "Bookkeepers work long weeks before each filing deadline."
    assert not SUBJECTS.swapped(swapped, SUBJECTS.clauses(COMPARISON))
    assert ground_sentence(grounder, swapped, [COMPARISON], 0.55, SUBJECTS) is None
    assert ground_sentence(grounder, "CPAs work long weeks before each filing deadline.", [COMPARISON], 0.55,
                           SUBJECTS) is not None


def test_a_heading_naming_one_career_over_a_line_about_another_hides_no_swap(grounder):
    from advisor.grounding import ground_sentence

    context = "Bookkeepers\nA CPA signs the audit report and answers for it to the state board."
    swapped = "Bookkeepers sign the audit report and answer for it to the state board. [1]"
    assert ground_sentence(grounder, swapped, [context], 0.55, SUBJECTS) is None
    assert ground_sentence(grounder, "CPAs sign the audit report and answer for it to the state board. [1]",
                           [context], 0.55, SUBJECTS) is not None


def test_a_list_items_lead_is_followed_by_the_rest_of_its_item_and_no_further():
    """An advice answer quotes a trait's bold lead with the sentence after it in the same item (advisor/advice.py):
    what its source says of the trait, never the next item's."""
    from advisor.selection import next_in_item, passage_units

    doc = _doc("- **You like clear rules.** The Illinois guide says auditors must be exact in their work. If checking "
               "that everything adds up gives you satisfaction, auditing rewards exactly that.\n"
               "- **You want to earn while you train.** Most auditing employers pay their trainees' exam fees.")
    units = {u.text.split(":")[0]: u for u in passage_units([doc])}
    assert next_in_item(doc, units["You like clear rules"].position).startswith("If checking that everything")
    assert next_in_item(doc, units["You want to earn while you train"].position) == ""
