"""What the pipeline's steps pass along for one question (advisor/chain.py wires them).

The state is a dict made by the condense step: ``question`` (as typed), ``asked_now`` (without
instructions), ``query`` (rewritten when it was a follow-up), ``about`` (what the person said of themselves),
``turns``, ``docs`` (the retrieved passages), ``profile``, ``refusal``, ``notices``, ``timings``, and later ``ranked`` and ``verification``.
The streaming steps exchange it as the first of a list of (kind, value) events.
"""

from __future__ import annotations

from collections.abc import Iterator

from langchain_core.documents import Document


def label_of(doc: Document) -> str:
    """What a passage's article is called (its title, its publication): names a sentence may attribute it to."""
    return " ".join(str(doc.metadata.get(k) or "") for k in ("title", "publication", "source"))


def premise(state: dict) -> str:
    """What the person said of themselves and asked: a model's sentence may restate it without a source."""
    return "\n".join([state.get("question", ""), state.get("about", ""),
                      *(text for role, text in state.get("turns", ()) if role == "user")])


def with_about(state: dict) -> str:
    """The question as search, the gate, selection and drafting read it: with what the person said of
    themselves. The names the passages must mention and the language are judged on the question alone
    (a country in "About you" must not refuse every question)."""
    return f"{state['query']} (About me: {state['about']})" if state.get("about") else state["query"]



def events(inputs: Iterator) -> Iterator[tuple]:
    """Events of the previous step, whether they stream in one by one or arrive as one list (batch)."""
    for chunk in inputs:
        if isinstance(chunk, dict):
            yield ("state", chunk)
        else:
            yield from chunk
