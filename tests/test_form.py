"""Answer form: lists keep their lead-ins, pronouns their referents, comparisons their subject (issue #12).

The rules are English, not a corpus's: the examples below come from the issue's own
answers, and from a made-up passage about accountants.
"""

import numpy as np
from langchain_core.documents import Document

from advisor.form import as_sentence, is_whole, points_back, resolve_person
from advisor.grounding import comparisons_supported
from advisor.reading import MAX_LIST_WORDS, join_lists
from advisor.selection import select_sentences
from advisor.subjects import find_subjects
from advisor.text import split_sentences

LONG_LIST = """Every accountant is trained first. Howell's list for auditors, with more statistics:
- Python and SQL; some firms need other languages, and Howell's own firm requires Rust;
- Git and GitHub;
- Bash and Zsh, which most audit teams script their checks in every single day of the working year;
- a cloud platform: AWS, Azure or GCP, on which most of the client ledgers and their backups are kept;
- software engineering fundamentals such as CI/CD and MLOps, plus Docker, for the firm's own tools;
- deep knowledge of one area, such as forecasting, payroll or tax;
- strong mathematics: calculus and linear algebra;
- clear writing, because every audit ends in a report that a board must be able to read and act on;
- patience with clients who keep their receipts in shoe boxes until the last week before the deadline.
The guide adds cloud platforms."""


def test_a_long_list_is_quoted_item_by_item_each_with_its_lead_in():
    assert len(LONG_LIST.split()) > MAX_LIST_WORDS + 10  # the premise: too long to quote whole
    sentences = split_sentences(join_lists(LONG_LIST))
    assert sentences[0] == "Every accountant is trained first."
    items = [s for s in sentences if "Python and SQL" in s]
    assert items == ["Howell's list for auditors, with more statistics: Python and SQL; some firms need other "
                     "languages, and Howell's own firm requires Rust."]
    assert not any(s.startswith(("Python", "Git and", "a cloud")) for s in sentences)  # no item without its lead-in
    assert sentences[-1] == "The guide adds cloud platforms."


def test_a_bold_lead_in_keeps_its_list():
    text = "**Key skills:**\n- double-entry bookkeeping;\n- payroll."
    assert split_sentences(join_lists(text)) == ["Key skills: double-entry bookkeeping; payroll."]


class _FarGrounder:
    """Embeds every question opposite to every passage sentence: all scores are negative."""

    def embed(self, texts):
        return np.array([[1.0, 0.0] if t.endswith("?") else [-1.0, 0.0] for t in texts], dtype=np.float32)


def test_selection_still_picks_the_best_sentence_when_every_score_is_negative():
    docs = [Document(page_content="An auditor checks the accounts of a firm every single year.")]
    chosen = select_sentences(_FarGrounder(), "Who checks accounts?", docs)
    assert [c.text for c in chosen] == ["An auditor checks the accounts of a firm every single year."]


def test_a_short_list_becomes_one_sentence_and_a_torn_item_a_sentence_of_its_own():
    short = "The guide lists three duties:\n- audits;\n- tax returns;\n- payroll."
    assert split_sentences(join_lists(short)) == ["The guide lists three duties: audits; tax returns; payroll."]
    torn = "- more than 355,000 accountants are licensed in the US;\n- most work in firms."
    assert split_sentences(join_lists(torn)) == ["More than 355,000 accountants are licensed in the US.",
                                                 "Most work in firms."]


def test_what_does_not_read_as_a_sentence_is_recognised():
    # Cut-off lead-ins and list items from answers the issue quotes.
    assert not is_whole("Howell's newsletter puts the key difference as [4]")
    assert not is_whole("Both roles share Python, data handling, ML [4]")
    assert not is_whole("Python and SQL; some companies need other languages, and Howell's own role requires Rust;")
    assert not is_whole("The TDS guide lists:")
    assert is_whole("Knowing some SQL already would be a plus.")  # after an article the word is a noun
    assert not is_whole("Both roles ask for Python plus.")
    assert not is_whole("software engineering fundamentals such as CI/CD.")
    assert is_whole("The TDS guide defines an ML engineer as someone who owns the model lifecycle. [1]")
    assert is_whole(as_sentence("python and SQL are the common languages;"))
    # An auxiliary ends a sentence its writer closed, not a line that stopped on it.
    assert is_whole("The video suggests the gap reflects how new the AI engineering title is. [1]")
    assert not is_whole(as_sentence("The median salary for an AI engineer is"))
    # So does a preposition a relative clause leaves at its end ("…the repositories the guide points to.").
    # A model's own closed sentence may end on a preposition ("…the guide points to."); a source's line or a
    # repaired one may not (a PDF's cut line, a draft's tail the token limit cut off).
    assert is_whole("You can practise on the public repositories that the guide points to. [1]", stranded=True)
    assert not is_whole("You can practise on the public repositories that the guide points to. [1]")
    assert not is_whole("You can practise on the public repositories that the guide points to", stranded=True)
    assert not is_whole(as_sentence("Most dental hygienists in the state report to"))  # cut off, not repaired
    assert not is_whole("The guide lists tools such as.", stranded=True)
    assert not is_whole("Both roles need patience, tact and.", stranded=True)
    assert points_back("He considers AI engineering easier to get into. [3]")
    assert points_back("These figures come from job adverts.")
    assert not points_back("The video follows Alice, an AI engineer.")
    assert not points_back("Theory matters less than practice.")
    assert not points_back("IT support roles are common in every firm.")
    # An opening phrase of a demonstrative points back as well ("these figures": the ones just given).
    assert points_back("By these figures the tax accountant earns more. [2]")
    assert points_back("For this reason, most auditors travel.")
    assert not points_back("In Ontario, auditors earn more.")
    assert not points_back("By 2030 the demand for auditors will grow.")


SUBJECTS = find_subjects([("The auditor role\nThe tax accountant role", """
An auditor checks accounts. Auditors who sign reports need a licence. The auditor role is old.
A tax accountant prepares returns. Tax accountants who advise firms need law. Tax accountants earn well.
Become an auditor or become a tax accountant: auditors earn well too.
""")])
PASSAGE = ("The guide gives median salaries of $70,000 for an auditor and $80,000 for a tax accountant. "
           "By these figures the tax accountant earns more. The auditor's job is easier to get into.")


def test_a_comparison_must_be_made_of_the_same_subject_in_the_cited_passage():
    assert comparisons_supported("By these figures the tax accountant earns more.", PASSAGE, SUBJECTS)
    assert comparisons_supported("Tax accountants earn more than auditors.", PASSAGE, SUBJECTS)
    assert not comparisons_supported("Auditors earn more than tax accountants.", PASSAGE, SUBJECTS)
    assert not comparisons_supported("The tax accountant role is easier to get into.", PASSAGE, SUBJECTS)
    assert comparisons_supported("An auditor's job is easier to get into.", PASSAGE, SUBJECTS)
    assert comparisons_supported("Auditors sign reports.", PASSAGE, SUBJECTS)  # no comparison: nothing to check
    # a comparative speaks of a subject after it only within its own clause: here "less" is the dislike's
    assert comparisons_supported("Your dislike of travel is less of an obstacle, since the guide says a tax "
                                 "accountant prepares returns.", PASSAGE, SUBJECTS)
    assert not comparisons_supported("Your dislike of travel matters less for a tax accountant.", PASSAGE, SUBJECTS)



def test_a_list_of_run_in_terms_names_its_terms_and_keeps_each_term_with_its_meaning():
    text = ("The board sorts firms into two kinds of audit:\n"
            "- **Full audit.** An auditor checks every ledger. It takes weeks.\n"
            "- **Review.** An auditor reads the accounts and asks questions.\n")
    assert split_sentences(join_lists(text)) == [
        "The board sorts firms into two kinds of audit: Full audit; Review.",
        "Full audit: An auditor checks every ledger.", "It takes weeks.",
        "Review: An auditor reads the accounts and asks questions."]
    # A sentence that merely starts in bold is not a run-in term.
    assert split_sentences(join_lists("- **27 firms and D.C.** grant full audits.")) == ["27 firms and D.C. grant full audits."]


def test_he_or_she_takes_the_one_name_before_it_and_no_guess_is_made_otherwise():
    before = ["According to Okafor, both jobs ask for a degree in accounting."]
    assert resolve_person("He considers auditing easier to get into.", before) == \
        "Okafor considers auditing easier to get into."
    assert resolve_person("She works nights.", ["In London most auditors work late."]) is None  # a place
    assert resolve_person("He agrees.", ["Okafor and Mensah disagree."]) is None  # two people
    assert resolve_person("They agree.", before) is None  # not a person's pronoun
    # A capital at a sentence's start or a product's name is no evidence of a person.
    assert resolve_person("She says the pay makes up for it.", ["Night shifts are the worst part.", "It is hard."]) is None
    assert resolve_person("He agrees.", ["Most auditors use Excel daily."]) is None
    docs = [Document(page_content="According to Okafor, both jobs ask for a degree in accounting. "
                                  "He considers auditing easier to get into than tax work.")]
    chosen = select_sentences(_FarGrounder(), "Which job is easier to get into?", docs)
    assert "Okafor considers auditing easier to get into than tax work." in [c.text for c in chosen]


def test_items_with_semicolons_of_their_own_are_quoted_one_by_one():
    text = "In short:\n- Guide, US: auditor $70,000; clerk $40,000.\n- Survey, UK: auditor £50k; clerk £30k."
    assert split_sentences(join_lists(text)) == ["In short: Guide, US: auditor $70,000; clerk $40,000.",
                                                 "In short: Survey, UK: auditor £50k; clerk £30k."]
