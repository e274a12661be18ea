"""Passages from chunks: neighbours in one section are joined, chunks of other sections never are."""

from langchain_core.documents import Document

from advisor.retrieval import join_neighbours


def _chunk(text: str, index: int, section: int = 0, source: str = "audit.md", rank: float = 0.0) -> Document:
    return Document(id=f"{source}:{index}", page_content=text,
                    metadata={"source": source, "section_index": section, "chunk_index": index, "score": rank})


def test_neighbours_in_one_section_become_one_passage_in_reading_order_at_the_better_place():
    first = _chunk("Firms choose between two audits:\n- a full audit;\n- a review;", 3, rank=0.2)
    second = _chunk("- a review;\n- a compilation.\nMost choose a review.", 4, rank=0.9)
    other = _chunk("Tax returns are due in April.", 0, source="tax.md")
    passages = join_neighbours([second, other, first])
    assert [p.page_content for p in passages] == [
        "Firms choose between two audits:\n- a full audit;\n- a review;\n- a compilation.\nMost choose a review.",
        "Tax returns are due in April."]
    assert passages[0].metadata["score"] == 0.9  # the better half's place and scores


def test_chunks_of_two_sections_or_without_our_metadata_stay_apart():
    # "Pay" under two roles: consecutive chunks, same heading, different sections.
    auditor = _chunk("Pay for auditors:\n- $70,000", 5, section=2)
    clerk = _chunk("- $40,000 for clerks", 6, section=3)
    plain = [Document(page_content="one"), Document(page_content="two")]
    assert [p.page_content for p in join_neighbours([auditor, clerk, *plain])] == [
        "Pay for auditors:\n- $70,000", "- $40,000 for clerks", "one", "two"]


def test_chunks_that_do_not_overlap_are_joined_without_cutting_a_word():
    start = _chunk("Auditors work in", 1)
    end = _chunk("inpatient clinics too.", 2)
    assert join_neighbours([start, end])[0].page_content == "Auditors work in inpatient clinics too."
