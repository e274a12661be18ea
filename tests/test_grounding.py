"""Grounding rules on real sentences: citations, figures with their currency and subject, conflicts, swaps.

The subjects are found by advisor.subjects in the same way ingest finds them, from text.
"""

from advisor.figures import figures_in
from advisor.grounding import comparisons_supported, conflicting_figures, figures_supported
from advisor.subjects import Subjects, find_subjects
from advisor.text import citations_in, split_sentences, strip_citations

UK = "Egor Howell's newsletter cites Levels.fyi: the average salary is £105k for a machine learning engineer and £75k for an AI engineer in the UK."
US = "The video summary gives a US median salary of around $250,000 for an ML engineer and around $160,000 for an AI engineer."
CORPUS = [("The ML engineer role\nThe AI engineer role", """
An ML engineer builds models. ML engineers who train models need statistics. Machine learning engineers earn well.
An AI engineer uses models. AI engineers who ship products need APIs. The AI engineer role is new.
Become an ML engineer or become an AI engineer: AI engineers earn well too, as do ML engineers.
""")]
SUBJECTS = find_subjects(CORPUS)


def test_subjects_are_found_in_the_documents():
    assert set(SUBJECTS.variants) == {"ai engineer", "ml engineer"}
    assert SUBJECTS.find("Machine-learning engineers earn more than AI engineers") == {"ai engineer", "ml engineer"}


def test_sentences_keep_their_citation_marks():
    text = "AI engineers ship products. [1] ML engineers train models [2]. See e.g. the TDS guide [1, 2]."
    assert split_sentences(text) == ["AI engineers ship products. [1]", "ML engineers train models [2].",
                                     "See e.g. the TDS guide [1, 2]."]
    assert citations_in("x [1] y [2, 3]") == [1, 2, 3]
    assert strip_citations("ML engineers train models [2].") == "ML engineers train models."


def test_figures_are_normalised():
    assert [f.value for f in figures_in("£105k, $150,000–$200,000 and 35%")] == [105_000, 150_000, 200_000, 35]
    assert [f.currency for f in figures_in("£105k, USD 90,000, $150k-200k")] == ["GBP", "USD", "USD", "USD"]
    assert figures_in("Step 2 of the framework, in 2024") == []


def test_money_is_read_as_european_sources_write_it():
    """A currency after its amount and thousands grouped by a space or a dot ("28 000 €", "1.500,50 €"), as
    corpora/dev-hospitality's French sources write pay: it was read as the plain numbers 28, 38 and 400, so no
    sentence giving a French salary could be checked against it. Digits grouped without a currency stay apart."""
    said = "L'Express estimates 28 000 € to 38 400 € a year; a beginner earns 1.500,50 € a month, 4 500 zł in Poland."
    assert [(f.value, f.currency) for f in figures_in(said)] == [
        (28_000, "EUR"), (38_400, "EUR"), (1_500.5, "EUR"), (4_500, "PLN")]
    assert [(f.value, f.currency) for f in figures_in("about 30 000 euros, or € 2 500 a month")] == [
        (30_000, "EUR"), (2_500, "EUR")]
    assert [f.currency for f in figures_in("17 200 openings a year")] == ["", ""]
    # a decimal comma, a currency in front, a range whose currency comes at its end
    assert [(f.value, f.currency) for f in figures_in("11,65 € de l'heure, CHF 100 000, de 1 800 à 2 500 € net, "
                                                      "entre 28 000 et 38 000 €")] == [
        (11.65, "EUR"), (100_000, "CHF"), (1_800, "EUR"), (2_500, "EUR"), (28_000, "EUR"), (38_000, "EUR")]
    assert not figures_supported("A sommelier earns €65 an hour.", "A sommelier earns 11,65 € an hour.",
                                 Subjects({"sommelier": []}))
    assert figures_supported("A sommelier in France earns €28,000 to €38,400 a year.", "A sommelier in France "
                             "earns between 28 000 € and 38 400 € a year.", Subjects({"sommelier": []}))


def test_a_figure_must_appear_tied_to_the_same_subject():
    assert figures_supported("AI engineers in the UK average £75k.", UK, SUBJECTS)
    assert not figures_supported("AI engineers in the UK average £105k.", UK, SUBJECTS)  # swapped
    assert not figures_supported("ML engineers in the UK average £125k.", UK, SUBJECTS)  # wrong figure
    assert not figures_supported("ML engineers in the UK average $105k.", UK, SUBJECTS)  # wrong currency
    assert figures_supported("ML engineers earn around $250,000 in the US.", US, SUBJECTS)
    assert not figures_supported("ML engineers earn around $160,000 in the US.", US, SUBJECTS)


def test_a_careers_field_is_a_mention_of_it():
    growth = "The guide says ML engineering roles grew 35% year on year, and AI engineering roles even faster, at 45%."
    subjects = find_subjects([(CORPUS[0][0], CORPUS[0][1] + growth)])
    assert subjects.fields == {"ai engineer": ["ai engineering"], "ml engineer": ["ml engineering"]}
    assert figures_supported("AI engineering roles grew 45% a year.", growth, subjects)
    assert not figures_supported("ML engineering roles grew 45% a year.", growth, subjects)  # the other's figure
    assert subjects.spell_out("ML engineering roles") == "ML engineering roles"  # a field, not a worker
    # beside a name, a field is what that one does
    learning = "ML engineers who pick up AI engineering earn $200,000."
    assert figures_supported("ML engineers who pick up these skills earn $200,000.", learning, subjects)
    assert Subjects({"full-stack developer": []}).find("Full-stack developers code.") == {"full-stack developer"}
    assert Subjects.from_json(subjects.to_json()).fields == subjects.fields


def test_a_comparison_may_be_made_the_other_way_round():
    source = US + " By these figures the ML engineer earns more."
    assert comparisons_supported("The AI engineer earns about $160,000, less than the ML engineer.", source, SUBJECTS)
    assert not comparisons_supported("The AI engineer earns more than the ML engineer.", source, SUBJECTS)
    assert not comparisons_supported("The ML engineer earns less than the AI engineer.", source, SUBJECTS)
    both_ways = "ML engineers need more statistics. The AI engineer earns more than the ML engineer."
    assert not comparisons_supported("The AI engineer earns less than the ML engineer.", both_ways, SUBJECTS)
    assert not comparisons_supported("The AI engineer earns the least.", source, SUBJECTS)


def test_conflicts_need_the_same_subject_currency_and_country():
    other_us = "The TDS guide gives an ML engineer $150,000 and an AI engineer $170,000 in the US."
    statements = conflicting_figures([US, other_us, "AI engineering roles are growing rapidly."], SUBJECTS)
    assert {s.context for s in statements} == {0, 1}
    # A UK figure in pounds and a US figure in dollars are not a disagreement.
    assert conflicting_figures([UK, US], SUBJECTS) == []
    assert conflicting_figures([UK], SUBJECTS) == []


def test_a_contrast_with_the_subjects_swapped_is_caught():
    context = ("ML engineers build algorithms, often from scratch, for specific tasks. AI engineers integrate "
               "existing foundation models into software products through APIs and automation.")
    clauses = SUBJECTS.clauses(context)
    right = "AI engineers integrate foundation models into products, while ML engineers build algorithms from scratch."
    swapped = "ML engineers integrate foundation models into products, while AI engineers build algorithms from scratch."
    assert not SUBJECTS.swapped(right, clauses)
    assert SUBJECTS.swapped(swapped, clauses)
    assert not SUBJECTS.swapped("Both roles use Python every day.", clauses)


def test_a_person_named_first_in_a_sentence_must_be_in_the_passage_it_cites():
    from advisor.chain import shared_grounder
    from advisor.config import Settings
    from advisor.grounding import known_names, novel_names

    people = "The video follows Okafor, an auditor. She checks the ledgers of a bakery chain every spring."
    general = ("The guide describes an auditor as an accountant who specialises in checking other people's "
               "accounts, such as ledgers, payrolls and tax returns, for errors and fraud.")
    swapped = ("Okafor is an accountant who specialises in checking other people's accounts, such as ledgers, "
               "payrolls and tax returns, for errors and fraud.")
    listed = "## Where auditors work\n- Most firms hire CPAs.\n- **Some** charities do too. Unlike CPAs, Mensah works alone."
    assert known_names([listed], find_subjects([("CPA", "A CPA audits. Become a CPA: CPAs earn well.")])) == {"Mensah"}
    known = known_names([people, general], find_subjects([]))
    assert novel_names(swapped, general, known) == {"Okafor"}
    assert novel_names(swapped, people, known) == set()
    assert novel_names("Auditors check ledgers every spring.", general, known) == set()  # a first word, no name
    scores = shared_grounder().support([swapped], [people, general]).scores[0]
    assert scores.max() < Settings().support_threshold, scores


def test_a_claim_about_one_name_is_not_widened_to_two():
    """A small model asked "How long do the CPA and CMA take?" copies the CPA's line and names both."""
    from advisor.chain import shared_grounder
    from advisor.config import Settings
    from advisor.grounding import merged_names

    passage = ("Two certifications are common. CPA (Certified Public Accountant): about two years of evening study, "
               "often alongside a first job. CMA (Certified Management Accountant): about one year of study.")
    widened = "CPA and CMA programmes take about two years of evening study, often alongside a first job."
    faithful = "The CPA takes about two years of evening study, often alongside a first job."
    assert merged_names(widened, split_sentences(passage)) == {"CMA"}
    assert merged_names(faithful, split_sentences(passage)) == set()
    # Names joined as the passage joins them, said of each in turn, or spelled out there, are not widened.
    assert merged_names("Python and SQL are required.", ["Python and SQL are required; Go is a plus."]) == set()
    assert merged_names("CPA and CMA exams are hard.", ["The CPA exam is hard.", "So is the CMA exam: hard."]) == set()
    assert merged_names("AI and ML titles are confusing.", ["AI and machine learning titles are confusing."]) == set()
    scores = shared_grounder().support([widened, faithful], [passage]).scores
    threshold = Settings().support_threshold
    assert scores[0, 0] < threshold <= scores[1, 0], scores


def test_verification_reads_polarity_counts_and_figures_from_uncited_passages():
    """Issue 23's verification on the real embedding model: a sentence that negates what its source negates
    agrees with it; a requirement its source says is not always one is denied; a count written in words is
    held against the source's count of the same thing; a figure from a passage the draft did not cite is
    checked in the passage that states it."""
    from advisor.chain import shared_grounder
    from advisor.figures import counts_held
    from advisor.grounding import contradiction, verify_drafted

    grounder = shared_grounder()
    disagree = "The three sources give different salary figures, and they do not agree on which role pays more."
    assert contradiction(grounder, "The sources do not agree on which role pays more. [1]", [disagree], [0]) == ""
    step = ("Gain clinical experience as an RN, ideally in a specialty. The hospital strongly recommends this step, "
            "although it is not always required.")
    assert contradiction(grounder, "Clinical experience as an RN is always required. [1]", [step], [0]) == "denied"

    boards = "There are five NP certification boards in the US. Applicants send three letters of recommendation."
    assert not counts_held("The hospital counts three NP certification boards.", boards)
    assert counts_held("There are five boards that certify NPs, and you send three letters.", boards)
    assert counts_held("The guide names three core libraries.", boards)  # a count the source does not give

    passages = ["The BLS survey gives registered nurses a median wage of $86,070 a year.",
                "Nurse practitioners earn a median of $126,260 a year in the same BLS survey."]
    verdict = verify_drafted(grounder, "The BLS survey gives registered nurses a median of $86,070 and nurse "
                             "practitioners a median of $126,260 a year. [1]", passages, threshold=0.55)
    assert verdict.kept is not None and sorted(verdict.kept.sources) == [0, 1]
    swapped = verify_drafted(grounder, "The BLS survey gives registered nurses a median of $96,070 a year. [1]",
                             passages, threshold=0.55)
    assert swapped.kept is None


def test_a_negation_in_the_persons_own_words_is_not_held_against_the_source():
    from advisor.chain import shared_grounder
    from advisor.grounding import contradiction

    grounder = shared_grounder()
    posting = ("Some companies put AI in a job title to make a posting sound more prestigious, even when the work is "
               "mostly prompt engineering. Read the job description before you apply.")
    advice = ("Since you would rather not spend your days on prompts, read each job description closely: some "
              "companies put AI in a posting to sound more prestigious even when the work is mostly prompt "
              "engineering. [1]")
    premise = "I would rather not spend my days writing prompts."
    assert contradiction(grounder, advice, [posting], [0], premise=premise) == ""
    assert contradiction(grounder, advice, [posting], [0]) == "negation"  # without the person's words, it is the claim's
    flipped = "Some companies do not put AI in a posting to sound more prestigious, and the work is mostly prompt engineering. [1]"
    assert contradiction(grounder, flipped, [posting], [0], premise=premise) == "negation"


def test_negations_are_matched_phrase_by_phrase():
    """The review's cases: a sentence that negates the other half of its source's claim is denied; a negation
    the question merely raises is not the person's; a count with a thousands separator is read whole."""
    from advisor.chain import shared_grounder
    from advisor.figures import counts_held
    from advisor.grounding import contradiction

    grounder = shared_grounder()
    stipends = "Travel nurses get housing stipends from their agency, but they do not get paid leave."
    swapped = "Travel nurses do not get housing stipends from their agency, but they get paid leave. [1]"
    assert contradiction(grounder, swapped, [stipends], [0]) != ""
    same = "Travel nurses get housing stipends from their agency but do not get paid leave. [1]"
    assert contradiction(grounder, same, [stipends], [0]) == ""
    # The source's negation applies to what the sentence asserts, or it denies nothing: "rather than a new
    # model" is not held against a sentence about a foundation model.
    product = ("The video summary calls AI engineering product-first: the work starts from a pre-trained "
               "foundation model, usually reached through an API, and the goal is a usable application rather "
               "than a new model.")
    assert contradiction(grounder, "The work begins from a pre-trained foundation model usually reached through "
                                   "an API. [1]", [product], [0]) == ""
    assert contradiction(grounder, "The goal of AI engineering is a new model. [1]", [product], [0]) != ""
    adapt = "Most AI engineers adapt a pre-trained model through an API rather than train a new model from scratch."
    assert contradiction(grounder, "Most AI engineers adapt a pre-trained model through an API; the new tools make "
                                   "this easy. [1]", [adapt], [0]) == ""  # "new" and "model" in two claims
    assert counts_held("About twelve thousand nurses work there.", "About 12,000 nurses work there.")
    assert not counts_held("About twelve thousand nurses work there.", "About 15,000 nurses work there.")


def test_a_year_is_read_from_the_whole_passage_and_names_across_hyphens():
    """A year dates what its passage says, so it may stand a sentence away from the figure it dates; a year the
    passages never give is still refused. A hyphenated name is the same name written with spaces."""
    from advisor.chain import shared_grounder
    from advisor.grounding import contradiction, novel_names

    grounder = shared_grounder()
    passage = ("These figures come from the BLS survey of May 2023. Hospitals employ 61% of registered nurses. "
               "Physicians' offices employ another 7%.")
    assert contradiction(grounder, "Hospitals employ 61% of registered nurses, by the BLS figures for May 2023. [1]",
                         [passage], [0]) == ""
    assert contradiction(grounder, "Hospitals employ 61% of registered nurses, by the BLS figures for May 2019. [1]",
                         [passage], [0]) == "year"
    dated = ("The BLS gives registered nurses a median wage of $86,070 in May 2023. Most work in hospitals. Many "
             "work shifts. Employment is projected to grow by 6% from 2023 to 2033.")
    assert contradiction(grounder, "Registered nurses earned a median wage of $86,070 in 2033. [1]", [dated],
                         [0]) == "year"  # the figure's own year is beside it, and it is another
    route = "**BSN to MSN or DNP.** This is the standard route for an RN with a bachelor's degree."
    assert novel_names("The BSN-to-MSN route is the standard one for an RN with a degree.", route) == set()
    assert novel_names("The BSN-to-DNP bridge is the standard one.", route) == {"BSN-to-DNP"}


def test_a_comparison_in_a_sentence_without_a_subject_is_about_the_one_before_it():
    from advisor.grounding import comparisons_supported

    subjects = find_subjects([("Registered nurses\nNurse practitioners", "A registered nurse who works in a hospital "
                               "earns a salary. Become a nurse practitioner: nurse practitioners earn more. "
                               "Registered nurses earn a salary too.")])
    source = "Registered nurses earned a median of $86,070. The lowest 10% earned less than $63,720."
    assert comparisons_supported("The lowest-paid 10% of registered nurses earned under $63,720.", source, subjects)
    assert not comparisons_supported("The lowest-paid 10% of nurse practitioners earned under $63,720.", source,
                                     subjects)
    # a sentence without a figure, or in another paragraph, is not about the subject named before it
    assert not comparisons_supported("Registered nurses earn higher pay.", "Registered nurses earn a salary. "
                                     "Pay is higher in cities.", subjects)
    assert not comparisons_supported("Registered nurses earned less than $63,720.", "Registered nurses work shifts.\n"
                                     "The lowest 10% earned less than $63,720.", subjects)


def test_a_comparative_made_with_er_is_checked_and_turned_round_it_is_not_supported():
    """"A weaker emphasis on statistics than…" where the source gives ML engineers "a stronger emphasis": a
    comparative outside any word list, turned round with the source's own words."""
    from advisor.grounding import comparisons_supported
    from advisor.subjects import Subjects

    subjects = Subjects({"ml engineer": [], "ai engineer": []})
    source = "Howell's list for ML engineers comes with a stronger emphasis on statistics."
    said = "Howell's list for ML engineers places a {} emphasis on statistics than his list for AI engineers."
    assert comparisons_supported(said.format("stronger"), source, subjects)
    assert not comparisons_supported(said.format("weaker"), source, subjects)
    # "other than" and "rather than" compare nothing, and an -er word without "than" claims no comparison
    assert comparisons_supported("ML engineers use tools other than notebooks.", source, subjects)
    assert comparisons_supported("ML engineers work with a wider team.", source, subjects)
    # a share ("most of the work", "at least half") compares no one; "the most" ranks
    hours = "Paralegal certificates take 600 hours; many paralegals work in law firms."
    legal = Subjects({"paralegal": [], "legal secretary": []})
    assert comparisons_supported("Most of the paralegal's work is in law firms.", hours, legal)
    assert comparisons_supported("At least half of paralegals work in law firms.", hours, legal)
    assert not comparisons_supported("Paralegals earn the most of the two.", "Paralegals take 600 hours.", legal)


NURSES = Subjects({"registered nurse": ["registered nurses", "rn", "rns"],
                   "nurse practitioner": ["nurse practitioners", "np", "nps"]}, {},
                  ["registered nurse", "nurse practitioner"])


def test_figures_named_after_their_subjects_are_theirs_in_order():
    subjects = NURSES
    passage = "By the BLS medians for May 2023, an NP earns about $40,000 a year more than an RN ($126,260 against $86,070)."
    assert figures_supported("The BLS gives NPs a median of $126,260 and RNs a median of $86,070.", passage, subjects)
    assert not figures_supported("The BLS gives RNs a median of $126,260 and NPs a median of $86,070.", passage,
                                 subjects)


def test_what_a_passage_says_of_a_narrower_kind_is_not_said_of_its_subject():
    """"APRNs" (advanced practice RNs) are a narrower kind than registered nurses: what a passage says of them,
    or of an NP that "is a registered nurse who…", is not said of registered nurses; it may be true of NPs."""
    subjects = NURSES
    passage = ("The handbook notes that APRNs share some duties with registered nurses, such as gathering "
               "information about a patient's condition, but are also trained to order and evaluate tests, refer "
               "patients to specialists, and diagnose and treat ailments.")
    clauses = subjects.clauses(passage, kinds=True)
    assert subjects.swapped("RNs are trained to refer patients to specialists and to diagnose and treat ailments.",
                            clauses)
    assert not subjects.swapped("NPs are trained to refer patients to specialists and diagnose and treat ailments.",
                                clauses)
    assert not subjects.swapped("RNs share some duties, such as gathering information about a patient's condition.",
                                clauses)
    definition = "A nurse practitioner is a registered nurse with graduate education who can diagnose and treat patients."
    assert subjects.swapped("Registered nurses can diagnose and treat patients with graduate education.",
                            subjects.clauses(definition, kinds=True))


def test_a_name_set_aside_or_in_a_relative_clause_keeps_what_a_clause_says_its_own():
    """Review cases: "Unlike X, Y …, but can…" is about Y; "legal assistants who are paralegals" speaks of both;
    figures in a bracket pair in order with "versus" too."""
    subjects = Subjects({"dental assistant": ["dental assistants"], "dental hygienist": ["dental hygienists"],
                         "legal assistant": ["legal assistants"], "paralegal": ["paralegals"],
                         "auditor": ["auditors"], "bookkeeper": ["bookkeepers"]}, {}, [])
    unlike = subjects.clauses("Unlike dental hygienists, dental assistants need no degree, but can start work after "
                              "a year of training.", kinds=True)
    assert not subjects.swapped("Dental assistants can start work after a year of training.", unlike)
    assert subjects.swapped("Dental hygienists can start work after a year of training.", unlike)
    relative = subjects.clauses("Legal assistants who are paralegals can draft contracts for clients.", kinds=True)
    assert not subjects.swapped("Paralegals can draft contracts for clients.", relative)
    versus = "An auditor earns more than a bookkeeper ($96,000 versus $48,000)."
    assert figures_supported("Auditors earn $96,000 and bookkeepers $48,000.", versus, subjects)
    assert not figures_supported("Auditors earn $48,000 and bookkeepers $96,000.", versus, subjects)


def test_a_sentence_with_a_word_opposite_to_its_sources_is_denied():
    """Issue 23's polarity by antonyms (WordNet's, advisor.lexicon): "harder" for the source's "easier" and
    "less" for "more" say the opposite though nearly every word is the source's. Not denied: a comparison that
    names the other career first, compares with another one or names none, an amount ("less than a year"), two
    opposites in one clause, or the person's own word."""
    from advisor.chain import shared_grounder
    from advisor.grounding import contradiction, verify_drafted
    from advisor.lexicon import base_forms, opposites_of

    assert "easy" in opposites_of("harder") and "more" in opposites_of("less") and "good" in base_forms("better")
    assert not opposites_of("offer") and not opposites_of("after")  # no "off", no stopwords but amounts
    subjects = find_subjects([("The paralegal role\nThe dental hygienist role", """
A paralegal drafts documents. Paralegals who research cases read statutes. A dental hygienist cleans teeth.
Dental hygienists who work in clinics see patients. Become a paralegal or become a dental hygienist.""")])
    grounder = shared_grounder()

    def said(sentence: str, source: str, premise: str = "") -> str:
        return contradiction(grounder, sentence, [source], [0], premise=premise, subjects=subjects)

    source = ("The guide considers paralegal work easier to get into, because a one-year certificate is a faster "
              "route than the licensing exam dental hygienists must pass.")
    flipped = "The guide says paralegal work is harder to get into, because a one-year certificate is a slower route. [1]"
    assert said(flipped, source) == "denied"
    verdict = verify_drafted(grounder, flipped, [source], threshold=0.55, subjects=subjects)
    assert verdict.kept is None and verdict.contradicted  # no other passage may vouch for it
    turned = ("The guide says the dental hygienist's route is harder to get into than the paralegal's, because of its "
              "licensing exam. [1]")
    assert said(turned, source) == ""
    pay = "Dental hygienists earn more than paralegals in most regions, the survey found."
    assert said("The survey found that dental hygienists earn less than paralegals in most regions. [1]", pay) == "denied"
    assert said("The survey found that paralegals earn less than dental hygienists in most regions. [1]", pay) == ""
    assert said("Dental hygienists earn more than paralegals, and the survey found that. [1]", pay) == ""
    other = "Paralegals earn more than legal secretaries, the survey found."
    assert said("The survey found that legal secretaries earn less than paralegals. [1]", other) == ""
    course = "A paralegal certificate takes more than six months but under a year, the guide says."
    assert said("A paralegal certificate takes less than a year, the guide says. [1]", course) == ""
    shifts = "Dental hygienists often start early, the survey found."
    assert said("Dental hygienists rarely start late, the survey found. [1]", shifts) == ""
    advice = "If you like working with your hands, dental hygienists have the better-suited job."
    assert said("Since you dislike working with your hands, dental hygienists have the worse-suited job. [1]", advice,
                premise="I dislike working with my hands.") == "denied"  # the person's "dislike" is no verb opposite
    assert said("Translators find freelance work harder to get. [1]", "Translators find freelance work easier to get.") \
        == "denied"  # no career named to turn round
    assert said("A law degree costs less than a paralegal certificate. [1]",
                "A paralegal certificate costs more than a law degree.") == ""  # no career to tell the sides


def test_each_clause_of_a_joined_sentence_answers_to_the_source_sentence_it_restates():
    """A sentence that joins claims from several source sentences: its requirement is checked against the
    sentence that makes it, its year against the sentence that gives its figures (and its neighbours), not both
    against the one source sentence the whole sentence is closest to. A requirement or a year that no sentence
    gives is still caught."""
    from advisor.chain import shared_grounder
    from advisor.grounding import contradiction

    grounder = shared_grounder()
    states = ("Dental therapists may practise in 14 states, most of them rural. Each state sets its own scope of "
              "practice. In those states, state law requires career-long supervision of a dental therapist by a dentist.")
    joined = ("Moving to a rural practice means working in one of the 14 states that allow dental therapists, where "
              "state law requires {}. [1]")
    assert contradiction(grounder, joined.format("career-long supervision by a dentist"), [states], [0]) == ""
    assert contradiction(grounder, joined.format("a master's degree"), [states], [0]) == "requirement"
    # the source's requirement must be the clause's, not any requirement near it (the review's cases)
    for other in ("a dental therapist to carry malpractice insurance", "a dental therapist to hold a state licence",
                  "a dental therapist to be supervised by a hygienist"):
        assert contradiction(grounder, joined.format(other), [states], [0]) == "requirement", other
    filing = "Paralegals draft contracts and file court papers for the attorneys they work with."
    assert contradiction(grounder, "Paralegals draft contracts and file court papers, as they must. [1]", [filing],
                         [0]) == "requirement"  # a clause that requires nothing it names holds nothing
    training = "Paralegals usually train on the job. Most find work quickly after that. Law firms must keep files for 6 years."
    assert contradiction(grounder, "Paralegals must complete 6 months of supervised work, and most find work "
                         "quickly. [1]", [training], [0]) == "requirement"  # "6" alone ties it to no sentence
    pay = ("Dental hygienists are paid on the national scale. The 2024 scale sets band 5 at £29,970 to £36,483. "
           "Senior hygienists are usually on band 7. The 2025/26 scale puts band 7 at £47,810 to £54,710.")
    dated = ("A new hygienist starts on band 5, which the {} scale sets at £29,970 to £36,483, while a senior one on "
             "band 7 earns £47,810 to £54,710 on the 2025/26 scale. [1]")
    assert contradiction(grounder, dated.format(2024), [pay], [0]) == ""
    assert contradiction(grounder, dated.format(2025), [pay], [0]) == "year"  # the band 5 figures are 2024's
    clerks = ("Paralegals earned a median of $52,000 in 2019. Court clerks earn $41,000. Many are unionised. The "
              "state licensing exam for clerks was introduced in 2023.")
    assert contradiction(grounder, "Paralegals earned a median of $52,000 in 2019, while court clerks earned $41,000 "
                         "in 2023. [1]", [clerks], [0]) == "year"  # 2023 dates the exam, not the pay


def test_a_figure_set_against_another_is_the_other_sides():
    """"…puts A ahead at $X against $Y": $Y is the other career's, so it is not checked as A's; $X still is."""
    subjects = find_subjects([("Dental hygienists and dental assistants", "A dental hygienist cleans teeth. Dental "
                               "hygienists earn more. A dental assistant helps the dentist. Dental assistants earn less.")])
    survey = ("The survey gives dental hygienists a range of $87,000–$90,000 and dental assistants a range of "
              "$46,000–$50,000.")
    assert figures_supported("The survey puts dental hygienists ahead with $87,000–$90,000 against $46,000–$50,000.",
                             survey, subjects)
    assert not figures_supported("The survey puts dental assistants ahead with $87,000–$90,000 against "
                                 "$46,000–$50,000.", survey, subjects)
    assert not figures_supported("The survey puts dental hygienists ahead with $46,000–$50,000 against "
                                 "$87,000–$90,000.", survey, subjects)
    # a career named after the figure set against is checked as its own
    legal = find_subjects([("Paralegals, legal secretaries and court clerks", "A legal secretary types. Legal "
                            "secretaries earn less. A court clerk files. Court clerks earn least.")])
    pay = "The survey gives paralegals $60,000, legal secretaries $50,000 and court clerks $45,000."
    assert not figures_supported("Legal secretaries earn $50,000 versus $60,000 for court clerks.", pay, legal)
    assert not figures_supported("Paralegals are ahead at $60,000 against $45,000 for legal secretaries.", pay, legal)
    assert figures_supported("Legal secretaries are ahead at $50,000 against $45,000 for court clerks.", pay, legal)


def test_a_denial_denies_what_one_clause_asserts():
    """A source's "they do not agree on which job pays more" denies a sentence that says they agree on it, not
    one whose clauses say they agree on one thing and that training pays off."""
    from advisor.chain import shared_grounder
    from advisor.grounding import contradiction

    grounder = shared_grounder()
    source = ("The two surveys behind this guide give different salary figures for dental hygienists and dental "
              "assistants, and they do not agree on which job pays more. Both jobs are growing, and the guide argues "
              "that training now still pays off.")
    apart = ("Whichever survey you read, both jobs are growing, the surveys agree on that much, and the guide argues "
             "that training now still pays off. [1]")
    assert contradiction(grounder, apart, [source], [0]) == ""
    assert contradiction(grounder, "The surveys agree on which job pays more. [1]", [source], [0]) == "denied"
    assert contradiction(grounder, "Both surveys agree that dental hygienists are the job that pays more. [1]",
                         [source], [0]) == "denied"
    # a comma alone does not end a claim: a fronted topic, or "…, and as for cavities, they diagnose them too"
    assert contradiction(grounder, "On pay, the two bar surveys agree. [1]",
                         ["The two bar surveys differ on many things, and they do not agree on pay."], [0]) == "denied"
    assert contradiction(grounder, "Dental hygienists clean teeth and take X-rays, and as for cavities, they diagnose "
                         "them too. [1]", ["Dental hygienists do not diagnose cavities. They clean teeth and take "
                                           "X-rays."], [0]) == "denied"


def test_a_figure_is_tied_to_the_subject_of_its_own_sentence_and_a_lead_reads_with_its_item():
    """A source's own sentences hold against their passage: the hourly figure after a subject's yearly one is
    that subject's, though the next sentence names the other career closer to it; a list item's bold lead
    ("The higher median pay:") compares the career its item names."""
    from advisor.grounding import comparisons_supported

    passage = ("- For NPs the BLS gives a median annual wage of $126,260 in May 2023, or $60.70 per hour. "
               "An RN therefore earns much less.\n"
               "- **You want the higher median pay.** The BLS gives NPs a median of $126,260.")
    assert figures_supported("For NPs the BLS gives a median annual wage of $126,260 in May 2023, or $60.70 per "
                             "hour.", passage, NURSES)
    assert not figures_supported("RNs earn $60.70 per hour.", passage, NURSES)
    assert comparisons_supported("You want the higher median pay: The BLS gives NPs a median of $126,260.", passage,
                                 NURSES)
    assert not comparisons_supported("You want the higher median pay: The BLS gives RNs a median of $126,260.",
                                     passage, NURSES)


def test_a_claim_the_passages_at_hand_make_of_another_career_is_dropped_whichever_one_it_cites():
    """The passages a capable model's sentence cites may not say whom a claim is about: another passage given with
    them does, of the other career ("AI engineers adapt large pre-trained models…"), so the sentence saying it of
    ML engineers is false; said of AI engineers it is kept."""
    from advisor.chain import shared_grounder
    from advisor.grounding import verify_drafted

    subjects = find_subjects([("AI engineer vs ML engineer", CORPUS[0][1])])
    passages = ["ML engineers craft models from data and deploy them after extensive data preparation and training, "
                "aiming for accuracy and reliability over time. They adapt their pipelines as users and data change.",
                "The video summary frames the split as product-first versus model-first. AI engineers adapt large "
                "pre-trained models to what users need and ship applications quickly, then refine them for usability, "
                "safety and cost."]
    claim = "adapt large pre-trained models to what users need and ship applications quickly. [{}]"
    wrong = verify_drafted(shared_grounder(), "ML engineers " + claim.format(1), passages, 0.55, subjects)
    right = verify_drafted(shared_grounder(), "AI engineers " + claim.format(2), passages, 0.55, subjects)
    assert wrong.kept is None
    assert right.kept is not None
    # A passage about the other career sharing more words does not outweigh one about its own that holds it.
    skills = ["ML engineers need statistics and linear algebra.", "AI engineers need strong software skills."]
    assert subjects.swapped("ML engineers need strong statistics skills.", subjects.clauses(skills[1]))
    assert not subjects.swapped("ML engineers need strong statistics skills.", subjects.clauses("\n".join(skills)),
                                unless_own=True)


def test_a_negation_is_held_only_by_a_source_negating_the_same_thing():
    """A negation beside the source sentence restated, of something else, does not make a negated claim the
    source's: "Not every NP is a registered nurse first" is against "…not really alternatives: every NP is a
    registered nurse first"; "The two roles are not alternatives" is held by it."""
    from advisor.chain import shared_grounder
    from advisor.grounding import contradiction

    source = ("The two roles are not really alternatives: every NP is a registered nurse first. Skills On Point, "
              "written by a nurse who has worked as both an RN and an NP, makes this point.")
    grounder = shared_grounder()
    assert contradiction(grounder, "Not every NP is a registered nurse first, Skills On Point points out. [1]",
                         [source], [0]) != ""
    assert contradiction(grounder, "Every NP is a registered nurse first, Skills On Point points out. [1]",
                         [source], [0]) == ""
    assert contradiction(grounder, "Skills On Point says the two roles are not really alternatives. [1]",
                         [source], [0]) == ""
