"""Advice that answers the person who asked (issue 23): what they say of themselves is found, each trait is
looked up on its own, and an engine that quotes opens with the career the traits point to."""

from __future__ import annotations

from langchain_core.documents import Document

from advisor.advice import ask_of, asks_for_advice, candidates_of, negative, traits_of
from advisor.chain import Advisor
from advisor.subjects import Subjects

TWO = Subjects({"auditor": ["auditors"], "bookkeeper": ["bookkeepers"]})


def test_traits_are_the_persons_statements_split_into_clauses():
    assert traits_of("I love statistics and want to understand tax law. Which of the two should I choose?") == [
        "I love statistics", "want to understand tax law"]
    assert traits_of("Which suits me?", about="Élodie here; I speak French and enjoy tidy ledgers.") == [
        "I speak French", "enjoy tidy ledgers"]
    assert traits_of("Which trade suits someone who hates working outside?") == ["someone who hates working outside"]
    assert traits_of("How much does an auditor earn?") == []
    # a statement set off by a dash inside the question; the second question is not a trait
    assert traits_of("I keep tidy ledgers — which role should I aim for, and what should I learn first?") == [
        "I keep tidy ledgers"]
    assert traits_of("Which trade suits me, given I like working outdoors?") == ["given I like working outdoors"]
    # a "while" that says when joins; one that sets two statements apart splits
    assert traits_of("I want to earn while I train. Which suits me?") == ["I want to earn while I train"]
    assert traits_of("I love numbers while I hate small talk. Which suits me?") == [
        "I love numbers", "I hate small talk"]
    # an "and" between a word and itself joins
    assert traits_of("I get bored doing one thing over and over. Which suits me?") == [
        "I get bored doing one thing over and over"]
    assert traits_of("I don't want a desk job and job security matters to me. Which suits me?") == [
        "I don't want a desk job", "job security matters to me"]
    # "more and more", "better and better": ever more, whatever follows; not any word said twice
    assert traits_of("I'm more and more interested in data and I hate meetings. Which suits me?") == [
        "I'm more and more interested in data", "I hate meetings"]
    assert traits_of("I studied that and that made me want to teach. Which suits me?") == [
        "I studied that", "that made me want to teach"]
    assert traits_of("I want something new and new challenges excite me. Which suits me?") == [
        "I want something new", "new challenges excite me"]


def test_an_advice_question_asks_a_choice_about_the_asker_and_a_figure_question_does_not():
    assert asks_for_advice("I like numbers. Auditor or bookkeeper?", subjects=TWO)
    assert asks_for_advice("Which job would I enjoy more?", about="I like tidy ledgers and quiet offices.")
    assert not asks_for_advice("I live in Zürich. How much would I earn?", subjects=TWO)
    assert not asks_for_advice("What do auditors do?", subjects=TWO)
    assert ask_of("I speak Basque. Which role suits me?") == "Which role suits me?"
    # an alternative question is a choice when it names one of the careers, whatever the other is called
    assert asks_for_advice("I love anatomy. Physio or auditor?", subjects=TWO)
    assert asks_for_advice("I keep tidy ledgers. Bookkeeping or an auditor for me?", subjects=TWO)
    assert not asks_for_advice("I like mornings. Tea or coffee?", subjects=TWO)
    assert not asks_for_advice("I know Python. Do auditors use Python or Excel?", subjects=TWO)
    assert asks_for_advice("I love order. So, physio or an auditor for me?", subjects=TWO)
    assert not asks_for_advice("I hate stress. Auditor stressful or calm?", subjects=TWO)
    assert not asks_for_advice("I hate stress. Then is an auditor calm or busy?", subjects=TWO)
    # what the person should do next, asked by one who says what they are like; not by one who names the role
    assert asks_for_advice("What should I study if I love anatomy and gadgets?", subjects=TWO)
    assert asks_for_advice("Which evening course should I look at?", about="I keep tidy ledgers.", subjects=TWO)
    assert not asks_for_advice("Which books should I read to become an auditor?", about="I like numbers.",
                               subjects=TWO)
    assert not asks_for_advice("Which repositories should I study to practise auditing?", subjects=TWO)


def test_a_dislike_is_negative_and_a_liking_is_not():
    assert negative("I can't stand heights") and negative("I'd rather avoid travel") and negative("I hate noise")
    assert not negative("I love mathematics")


def test_an_advice_answer_opens_with_the_career_the_traits_point_to(corpus_home):
    advisor = Advisor(engine="extractive")
    answer = advisor.ask("I love mathematics and want to understand how algorithms work under the hood. "
                         "Which of the two roles should I choose?")
    first = answer.text.splitlines()[0]
    assert not answer.refused and "ML engineer" in first and "AI engineer" not in first, answer.text
    assert answer.citations and "[1]" in first  # the opening cites the passage it rests on, quoted next
    about = "I want to build products quickly on top of existing models."
    answer = advisor.ask("Which role suits me better?", about=about)
    assert answer.text.splitlines()[0].count("AI engineer") == 1, answer.text


def test_a_self_describing_question_is_not_refused_for_what_the_person_says_of_themselves(corpus_home):
    """The gate's score does not refuse an advice question, and a name in the person's own statement (a
    language the store never mentions) is not what they ask about."""
    answer = Advisor(engine="extractive").ask(
        "I speak Basque and I'd much rather build my own models than plug someone else's into an app. "
        "Which career fits that?")
    assert not answer.refused and "Basque" not in answer.text, answer.text


def test_a_figure_question_from_someone_describing_themselves_is_not_given_a_recommendation(corpus_home):
    answer = Advisor(engine="extractive").ask("I live in the UK. How much would I earn as an ML engineer?")
    assert "closer fit" not in answer.text and "depends on what matters" not in answer.text, answer.text


FINANCE = Subjects({"certified public accountant": ["cpa"], "chartered accountant": [], "financial analyst": [],
                    "analyst job": []})


def test_a_career_is_named_by_its_initials_or_its_field_and_only_a_whole_phrase_names_one():
    assert FINANCE.named_by("FA") == FINANCE.named_by("FAs") == {"financial analyst"}
    assert FINANCE.named_by("financial analysis") == FINANCE.named_by("an analyst") == {"financial analyst"}
    # a field two careers share names both; which one is meant is left to the passages
    assert FINANCE.named_by("Accountancy") == FINANCE.named_by("accounting") == {
        "certified public accountant", "chartered accountant"}
    assert FINANCE.named_by("a CPA") == {"certified public accountant"}
    # more than the name, a word that only starts alike, initials of nothing, a name's modifier alone
    for phrase in ("data analysis", "analyst stressful", "acc", "FX", "financial", "Zürich"):
        assert FINANCE.named_by(phrase) == set(), phrase
    assert Subjects({"plumber": [], "electrician": []}).named_by("plumbing") == {"plumber"}
    assert Subjects({"plumber": [], "electrician": []}).named_by("electrical work") == set()


def test_a_word_two_careers_share_names_the_one_weighed():
    """"Accountants" is either kind of accountant in the store, but of a certified public accountant and a
    financial analyst it names the first; inside "chartered accountants" it names neither of them."""
    weighed = ["certified public accountant", "financial analyst"]
    assert FINANCE.named_among("Accountants prepare tax returns.", weighed) == {"certified public accountant"}
    assert FINANCE.named_among("Accountants prepare tax returns.", ["certified public accountant",
                                                                     "chartered accountant"]) == set()
    assert FINANCE.named_among("Chartered accountants audit firms.", weighed) == set()
    assert FINANCE.named_among("Accountant vs financial analyst", weighed) == set(weighed)


def test_an_alternative_of_fields_or_initials_is_a_choice_between_the_careers_they_name():
    from advisor.advice import candidates_of
    assert asks_for_advice("I love forecasting. FA or accy?", subjects=FINANCE)
    assert asks_for_advice("I like rules. Accounting or financial analysis?", subjects=FINANCE)
    assert not asks_for_advice("I like rules. Accounting or tax?", subjects=Subjects({"auditor": []}))
    # a side naming two careers ("Accountant") is the one its passages name more, whatever the order of a set
    from langchain_core.documents import Document
    docs = [Document(page_content="A chartered accountant signs off audits. Chartered accountants train for years."),
            Document(page_content="A CPA and a financial analyst both work with numbers.")]
    assert candidates_of("I like rules. Accountant or analyst?", docs, FINANCE) == [
        "chartered accountant", "financial analyst"]
    assert candidates_of("I like rules. Accountancy’s or analysis?", docs, FINANCE) == [
        "chartered accountant", "financial analyst"]
    assert Subjects({"full-stack developer": []}).named_by("full-stack development") == {"full-stack developer"}


def test_advice_is_asked_in_lower_case_and_between_careers_named_by_their_field_and_the_store_is_about():
    """"i" typed in haste is the asker; "an accountant or an analyst" names careers by their field; a subject
    no title or heading names ("professional", from "professional exams") is no career to choose."""
    from langchain_core.documents import Document

    from advisor.advice import candidates_of
    casual = "honestly i kind of enjoy doing tax returns and i don't mind a mad rush every spring. accountant or fa?"
    assert traits_of(casual) == ["honestly i kind of enjoy doing tax returns", "i don't mind a mad rush every spring"]
    assert asks_for_advice(casual, subjects=FINANCE)
    assert asks_for_advice("Would I be better off as an accountant or an analyst? I'm moving to New York and I love "
                           "big-city life.", subjects=FINANCE)
    store = Subjects({**FINANCE.variants, "professional": [], "bank": []},
                     headed=["certified public accountant", "chartered accountant", "financial analyst"])
    assert store.careers == ["certified public accountant", "chartered accountant", "financial analyst"]
    docs = [Document(page_content="A professional body sets professional exams. A bank hires a professional."),
            Document(page_content="A CPA's employer pays for exams; a financial analyst pays for the CFA. CPAs earn.")]
    assert candidates_of("Money's tight and I can't pay for professional exams myself. Which path makes more sense?",
                         docs, store) == ["certified public accountant", "financial analyst"]
    assert Subjects.from_json(store.to_json()).headed == store.headed


def test_abbreviations_and_list_marks_are_not_the_asker_and_end_no_typed_sentence():
    """Found in review: "i.e." and "(i)" are no "I"; "Ph.D.", "a.m." and "Inc." end no sentence a person typed."""
    assert not asks_for_advice("Big firms, i.e. the Big Four, hire many graduates. Which path fits?", subjects=FINANCE)
    assert not asks_for_advice("Options: (i) audit, (ii) tax. Which one?", subjects=FINANCE)
    assert traits_of("I have a Ph.D. in economics. Which fits me better?") == ["I have a Ph.D. in economics"]
    assert traits_of("I work 9 a.m. to 5 p.m. at a bank. Which one?") == ["I work 9 a.m. to 5 p.m. at a bank"]
    # a full stop after a word, a figure or a bracket ends a typed sentence before a lower-case start
    for said in ("I hate selling and work 9 to 5.", "I have a PhD.", "I love numbers (a lot).", "I love maths..."):
        assert asks_for_advice(f"{said} accountant or fa?", subjects=FINANCE), said
    assert traits_of("Accountant or FA? (I love numbers and hate selling.)")  # "(I" is the asker


def test_a_career_is_named_by_its_last_word_or_a_field_not_by_a_word_it_starts_with():
    """Found in review: "account", "accountable", "the design" and "6 PM" name no career."""
    design = Subjects({"ux designer": [], "product manager": []})
    assert design.named_in("Do they work past 6 PM?") == []
    assert design.named_in("Is the design team involved in that?") == []
    assert FINANCE.named_in("How do I open a bank account?") == FINANCE.named_in("Who is accountable?") == []
    assert [n for _, _, n in FINANCE.named_in("What about analysts and accountants?")] == [
        {"financial analyst"}, {"certified public accountant", "chartered accountant"}]
    assert [n for _, _, n in FINANCE.named_in("Is an FA paid more?")] == [{"financial analyst"}]
    assert [n for _, _, n in FINANCE.named_in("Is accountancy stressful?")] == [
        {"certified public accountant", "chartered accountant"}]  # one word with a field's ending


def test_a_trait_is_a_dislike_when_the_person_denies_it_not_when_what_they_want_holds_a_negation():
    from advisor.advice import against
    for dislike in ("I can't do nights or weekends", "I'm not sporty at all", "I hate guessing",
                    "I don't want to move to a big city", "Not a morning person", "someone who hates heights",
                    "someone who doesn't like blood", "Night shifts aren't for me", "Working nights is not for me",
                    "I dont want to move", "I cant do nights", "Im not sporty", "Élodie and I don’t drive"):
        assert against(dislike), dislike
    for liking in ("I'd like patients to come straight to me without a referral", "I don't mind long hours",
                   "I'm not afraid of exams", "I love mathematics", "I can't wait to work with kids",
                   "I can't get enough of statistics", "No problem with night shifts", "I want to visit Zürich",
                   "I want a job I can do anywhere"):
        assert not against(liking), liking
    assert against("I'm not into object-oriented programming")  # "object" there is no "object to"
    # what the person would rather not do is the dislike of a "rather … than" trait
    assert traits_of("I'd rather work in a prison than in a hospital gym. Which fits?") == [
        "I'd rather work in a prison", "not in a hospital gym"]
    assert against("not in a hospital gym") and not against("I'd rather work in a prison")
    assert traits_of("I want to work in schools instead of hospitals. Which fits?") == [
        "I want to work in schools", "not hospitals"]
    assert traits_of("I want to design rather than code. Which fits?") == ["I want to design", "not code"]


def test_the_opening_quotes_a_trait_without_the_and_that_joined_it():
    from advisor.advice import Advice, Pull, opening
    advice = Advice("auditor", ["auditor", "bookkeeper"], ["I like rules", "and I love audits"],
                    {"and I love audits": Pull("auditor", 0.1, 0, "auditor")})
    assert "(“I love audits”)" in opening(advice, TWO)


def test_of_more_than_two_careers_the_choice_is_the_pair_the_headings_set_side_by_side():
    """A store of three careers: the passages name the chartered accountant most, but two titles weigh the
    certified public accountant against the financial analyst. One title alone counts only when it holds the
    career the passages name most."""
    def passage(title: str, text: str) -> Document:
        return Document(page_content=text, metadata={"title": title})

    pay = passage("Pay", "Chartered accountants earn more than financial analysts, and chartered accountants train "
                         "longer; chartered accountants audit firms.")
    weighed = passage("Certified public accountant or financial analyst: which suits you?", "Both read figures.")
    assert set(candidates_of("Which suits me? I like figures.", [weighed, weighed, pay], FINANCE)) == {
        "certified public accountant", "financial analyst"}
    assert set(candidates_of("Which suits me? I like figures.", [weighed, pay], FINANCE)) == {
        "chartered accountant", "financial analyst"}
    assert set(candidates_of("Which suits me? I like figures.", [pay], FINANCE)) == {
        "chartered accountant", "financial analyst"}


def test_names_sharing_a_last_word_left_out_name_both():
    """"Sound and lighting technicians" names the sound technician too, so a unit under that heading is tied to
    neither career by it; "Unions and lighting technicians" names one."""
    crew = Subjects({"sound technician": [], "lighting technician": []})
    both = ["sound technician", "lighting technician"]
    assert crew.named_among("Skills for sound and lighting technicians", both) == set(both)
    assert crew.named_among("Sound/lighting technicians tour", both) == set(both)
    assert crew.named_among("Unions and lighting technicians", both) == {"lighting technician"}
    # a word beside the name that is not joined to it as a second name ("Besides sound, …") names nothing
    assert crew.named_among("Besides sound, lighting technicians rig", both) == {"lighting technician"}
    assert crew.named_among("Sound for lighting technicians", both) == {"lighting technician"}
    # by "or" or "&" too, and for a name of more words, any number of its first words left out
    assert crew.named_among("Sound & lighting technicians", both) == set(both)
    accountants = ["chartered accountant", "certified public accountant"]
    assert FINANCE.named_among("Chartered or certified public accountants", accountants) == set(accountants)


class _WordsGrounder:
    """Embeds a text by the stems it holds among a few: enough to say which unit a trait is near."""

    STEMS = ("audit", "record", "spreadsheet", "patien")

    def embed(self, texts):
        import numpy as np
        rows = np.array([[float(stem in t.lower()) for stem in self.STEMS] for t in texts]) + 1e-6
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_trait_the_sources_give_to_neither_career_alone_opens_that_it_depends_with_what_they_say():
    """No unit tied to one career is near "I love spreadsheets": it settles nothing, and the answer opens by
    saying so, then quotes the passage that speaks of it (under a heading naming both, so tied to neither)."""
    from advisor.advice import advise
    docs = [Document(page_content="Auditors audit the books of firms.", metadata={"title": "Auditor"}),
            Document(page_content="Bookkeepers record every sale.", metadata={"title": "Bookkeeper"}),
            Document(page_content="Both jobs mean long days with spreadsheets and patience.",
                     metadata={"title": "Auditor or bookkeeper"})]
    advice = advise(_WordsGrounder(), "I love spreadsheets. Auditor or bookkeeper?", "", docs, TWO,
                    lambda trait: [])
    assert advice.career is None and advice.pulls == {}
    assert advice.opening.startswith("The choice depends on what matters most to you: the sources do not tie")
    assert advice.evidence == [(2, "Both jobs mean long days with spreadsheets and patience.")]
    # a trait a tied unit reaches settles it, and that unit is the evidence
    advice = advise(_WordsGrounder(), "I love to audit. Auditor or bookkeeper?", "", docs, TWO, lambda trait: [])
    assert advice.career == "auditor" and advice.evidence == [(0, "Auditors audit the books of firms.")]
