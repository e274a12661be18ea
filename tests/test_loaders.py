from pathlib import Path

import pytest
from conftest import CORPUS, DATA

from ingest.loaders import LoadError, load_file


def test_markdown_front_matter_becomes_metadata_not_text():
    doc = load_file(CORPUS / "salaries-and-job-market.md")
    assert doc.title == "Salaries and job market for AI and ML engineers"
    assert "Levels.fyi" in doc.metadata["publication"]
    assert doc.metadata["url"].startswith("https://")
    assert "---" not in doc.text.splitlines()[0]
    assert "title:" not in doc.text


def test_html_keeps_the_article_and_drops_navigation_debris():
    doc = load_file(DATA / "debris-page.html")
    assert doc.title == "Becoming an MLOps engineer"
    assert "watch production models for drift" in doc.text
    assert "operational habits carry over" in doc.text
    for debris in ("Log in", "cookies", "All rights reserved", "Top 10 laptops", "window.track"):
        assert debris not in doc.text


@pytest.mark.parametrize(
    "html",
    [
        (DATA / "navigation-only.html").read_text(),
        "<html><body>Home | About | Login Menu Menu Menu</body></html>",
        "<html><body><ul><li>Home</li><li>About us</li><li>Careers</li><li>Press</li><li>Blog</li>"
        "<li>Contact</li><li>Help</li><li>Log in</li><li>Sign up</li></ul></body></html>",
    ],
)
def test_a_page_of_navigation_only_is_reported_not_stored(tmp_path: Path, html: str):
    path = tmp_path / "page.html"
    path.write_text(html)
    with pytest.raises(LoadError, match=r"no article text found \(the page looks like navigation only\)"):
        load_file(path)


def test_a_short_real_html_article_is_kept(tmp_path: Path):
    path = tmp_path / "short.html"
    path.write_text("<html><head><title>Data engineers</title></head><body><nav>Home | Blog</nav><article>"
                    "<p>Data engineers build the pipelines that feed analytics and machine learning.</p>"
                    "</article></body></html>")
    doc = load_file(path)
    assert doc.text == "Data engineers build the pipelines that feed analytics and machine learning."


def test_pdf_text_is_extracted(tmp_path: Path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Prompt engineers at Example Corp write evaluation suites for their chatbots.")
    path = tmp_path / "note.pdf"
    pdf.output(str(path))
    doc = load_file(path)
    assert "evaluation suites" in doc.text


def test_pdf_without_text_layer_is_reported(tmp_path: Path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a drawing, no text: what a scan looks like to a parser
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(LoadError, match="no text layer"):
        load_file(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", b"", "empty"),
        ("blank.txt", b"  \n\n \t", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        ("latin1.txt", "Gehalt für Ingenieure: 90.000 EUR brutto".encode("latin-1"), "UTF-8"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("slides.pptx", b"PK\x03\x04", "unsupported"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path: Path, name: str, content: bytes, message: str):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=message):
        load_file(path)
