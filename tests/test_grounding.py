from advisor.grounding import (
    citations_in,
    conflicting_figures,
    figures_in,
    figures_supported,
    role_clauses,
    roles_swapped,
    split_sentences,
    strip_citations,
)

UK = "Egor Howell's newsletter cites Levels.fyi: the average salary is £105k for a machine learning engineer and £75k for an AI engineer in the UK."
US = "The video summary gives a US median salary of around $250,000 for an ML engineer and around $160,000 for an AI engineer."


def test_sentences_keep_their_citation_marks():
    text = "AI engineers ship products. [1] ML engineers train models [2]. See e.g. the TDS guide [1, 2]."
    assert split_sentences(text) == ["AI engineers ship products. [1]", "ML engineers train models [2].",
                                     "See e.g. the TDS guide [1, 2]."]
    assert citations_in("x [1] y [2, 3]") == [1, 2, 3]
    assert strip_citations("ML engineers train models [2].") == "ML engineers train models."


def test_figures_are_normalised():
    assert [f.value for f in figures_in("£105k, $150,000–$200,000 and 35%")] == [105_000, 150_000, 200_000, 35]
    assert figures_in("Step 2 of the framework") == []


def test_a_figure_must_appear_tied_to_the_same_role():
    assert figures_supported("AI engineers in the UK average £75k.", UK)
    assert not figures_supported("AI engineers in the UK average £105k.", UK)  # swapped roles
    assert not figures_supported("ML engineers in the UK average £125k.", UK)  # wrong figure
    assert figures_supported("ML engineers earn around $250,000 in the US.", US)
    assert not figures_supported("ML engineers earn around $160,000 in the US.", US)


def test_conflicting_salary_figures_are_found_across_passages():
    statements = conflicting_figures([UK, US, "AI engineering roles are growing rapidly."])
    assert {s.context for s in statements} == {0, 1}
    assert conflicting_figures([UK]) == []


def test_a_contrast_with_the_roles_swapped_is_caught():
    context = ("ML engineers build algorithms, often from scratch, for specific tasks. AI engineers integrate "
               "existing foundation models into software products through APIs and automation.")
    clauses = role_clauses(context)
    right = "AI engineers integrate foundation models into products, while ML engineers build algorithms from scratch."
    swapped = "ML engineers integrate foundation models into products, while AI engineers build algorithms from scratch."
    assert not roles_swapped(right, clauses)
    assert roles_swapped(swapped, clauses)
    assert not roles_swapped("Both roles use Python every day.", clauses)
