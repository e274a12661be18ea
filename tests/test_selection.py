"""Which sentence answers the question: read under its heading, about the subject asked (issue #12).

Made-up passages about accountants and bookkeepers, ranked with the real embedding model.
"""

import pytest
from langchain_core.documents import Document

from advisor.chain import shared_grounder
from advisor.figures import asks_about_pay
from advisor.selection import rank_sentences
from advisor.subjects import Subjects

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


def test_an_abbreviation_is_spelled_out_in_the_subjects_longest_form():
    assert SUBJECTS.spell_out("CPAs and bookkeepers") == "certified public accountant and bookkeeper"
    assert Subjects().spell_out("CPAs") == "CPAs"


@pytest.mark.parametrize(("question", "about_pay"), [
    ("How much do bookkeepers make?", True),
    ("Do all sources agree on how much CPAs make in a year?", True),
    ("How much difference does a CPA licence make?", False),
    ("What do CPAs make sure of in an audit?", False),
])
def test_how_much_someone_makes_is_a_question_about_pay(question, about_pay):
    assert asks_about_pay(question) is about_pay
