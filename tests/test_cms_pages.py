"""Web pages as CMSs write them, and whole saved help centres, keep the structure a reader sees."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import GUIDE

from faqrag.ingest.corpus import corpus_files, load_corpus, read_corpus
from faqrag.ingest.parse import parse_guide
from faqrag.ingest.site import mirror_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import cms_fixtures  # noqa: E402


def flat(blocks):
    return [m for b in blocks for m in (b.members or (b,))]


def page(body: str, title: str = "Widget help") -> str:
    return (
        f"<html><head><title>{title}</title></head><body><div class='wrap'><h1>{title}</h1>{body}</div></body></html>"
    )


def load_page(tmp_path, html: str, name: str = "p.html"):
    (tmp_path / name).write_text(html, encoding="utf-8")
    ((doc, blocks),) = load_corpus(tmp_path)
    return doc, flat(blocks)


@pytest.mark.parametrize(
    "heading_html",
    [
        "<p><strong>Contact by phone</strong></p>",
        "<p><b>Contact by phone</b></p>",
        '<p><span style="font-size: 20px"><strong>Contact by phone</strong></span></p>',
        '<p style="font-weight: bold">Contact by phone</p>',
        '<p><span style="font-size:1.5em">Contact by phone</span></p>',
        '<div><font size="5">Contact by phone</font></div>',
        "<p><strong>Contact</strong> <strong>by phone</strong></p>",
    ],
)
def test_a_bold_or_large_line_is_a_heading_on_a_page_without_headings(tmp_path, heading_html):
    _, blocks = load_page(tmp_path, page(heading_html + "<p>Call 555-0100 any day from 8 a.m. to 6 p.m.</p>"))
    (b,) = [b for b in blocks if "555-0100" in b.text]
    assert b.trail[-1] == "Contact by phone"


@pytest.mark.parametrize(
    "not_heading",
    [
        "<p>Contact by phone</p>",  # plain
        "<p><strong>Contact</strong> by phone</p>",  # a bold word in a sentence
        "<p><strong>Before you call:</strong></p>",  # a lead-in
        "<p><strong>Do you ship abroad?</strong></p>",  # a question
        "<p><strong>Call us.</strong></p>",  # a sentence
        "<p><strong>Line one<br>Line two</strong></p>",  # not one line
    ],
)
def test_what_is_not_a_heading_stays_text(tmp_path, not_heading):
    _, blocks = load_page(tmp_path, page(not_heading + "<p>Call 555-0100 any day from 8 a.m. to 6 p.m.</p>"))
    (b,) = [b for b in blocks if "555-0100" in b.text]
    assert b.trail in ((), ("Widget help",))


def test_looks_rank_heading_levels_and_real_headings_win(tmp_path):
    body = (
        '<p><span style="font-size:22px"><b>Support</b></span></p><p>Intro text for support here.</p>'
        "<p><b>Phone</b></p><p>Call 555-0100 for help.</p>"
        "<p><b><i>Weekends</i></b></p><p>Call 555-0199 on weekends.</p>"
        '<p><span style="font-size:22px"><b>Billing</b></span></p><p>Invoices arrive monthly.</p>'
    )
    _, blocks = load_page(tmp_path, page(body))
    trails = {b.text: b.trail[-3:] for b in blocks}
    assert trails["Call 555-0199 on weekends."][-3:] == ("Support", "Phone", "Weekends")
    assert trails["Invoices arrive monthly."][-1] == "Billing"
    # With one real sub-heading on the page, bold lines are its text, not headings.
    _, blocks = load_page(tmp_path, page("<h2>Support</h2>" + body), name="p.html")
    assert {b.trail[-1] for b in blocks if b.trail} <= {"Support", "Widget help"}


def test_br_lines_are_a_directory_and_a_bold_lead_in_leads_its_list(tmp_path):
    body = (
        "<p><strong>Phone:</strong> 555-0100<br><strong>Email:</strong> help@example.com<br>"
        "<strong>Hours:</strong> Mon-Fri 8-6</p>"
        "<p><strong>Have these ready:</strong></p><ul><li>Your order number</li><li>Your postcode</li></ul>"
    )
    _, blocks = load_page(tmp_path, page(body))
    entries = [b.text for b in blocks if b.kind == "entry"]
    assert entries == ["Phone: 555-0100", "Email: help@example.com", "Hours: Mon-Fri 8-6"]
    (lst,) = [b for b in blocks if b.kind == "list"]
    assert (lst.lead, lst.items) == ("Have these ready:", ("Your order number", "Your postcode"))


@pytest.mark.parametrize(
    "ol, marks",
    [
        ("<ol><li>a</li><li>b</li><li>c</li></ol>", ("1.", "2.", "3.")),
        ('<ol start="4"><li>a</li><li>b</li><li>c</li></ol>', ("4.", "5.", "6.")),
        ("<ol reversed><li>a</li><li>b</li><li>c</li></ol>", ("3.", "2.", "1.")),
        ('<ol reversed start="10"><li>a</li><li>b</li><li>c</li></ol>', ("10.", "9.", "8.")),
        ('<ol><li>a</li><li value="7">b</li><li>c</li></ol>', ("1.", "7.", "8.")),
        ('<ol start="x"><li>a</li><li>b</li><li>c</li></ol>', ("1.", "2.", "3.")),
    ],
)
def test_ordered_lists_keep_their_numbers(tmp_path, ol, marks):
    _, blocks = load_page(tmp_path, page("<p>Do this:</p>" + ol))
    (lst,) = [b for b in blocks if b.kind == "list"]
    assert lst.marks == marks and lst.items == ("a", "b", "c")


@pytest.mark.parametrize(
    "table, first",
    [
        (
            "<table><tr><td>Country</td><td>Phone</td><td>Opening hours</td></tr>"
            "<tr><td>Norway</td><td>800-100</td><td>Mon-Fri 8-16</td></tr>"
            "<tr><td>Spain</td><td>900-200</td><td>Mon-Sat 9-18</td></tr></table>",
            "Country: Norway | Phone: 800-100 | Opening hours: Mon-Fri 8-16",
        ),
        (
            "<table><tr><td><b>Plan</b></td><td><b>Storage</b></td><td><b>Price</b></td></tr>"
            "<tr><td>Basic</td><td>10 GB</td><td>Free</td></tr><tr><td>Pro</td><td>1 TB</td><td>9 euros</td></tr></table>",
            "Plan: Basic | Storage: 10 GB | Price: Free",
        ),
        (  # a first row of data is not a header
            "<table><tr><td>Norway</td><td>800-100</td></tr><tr><td>Spain</td><td>900-200</td></tr></table>",
            "Norway: 800-100",
        ),
        (  # two columns of labels and values stay "label: value" lines
            "<table><tr><td>Email</td><td>help@example.com</td></tr><tr><td>Phone</td><td>555-0100</td></tr></table>",
            "Email: help@example.com\nPhone: 555-0100",
        ),
        (  # nor is a first row holding a number, three columns or not
            "<table><tr><td>Basic</td><td>10 GB</td><td>Free</td></tr><tr><td>Pro</td><td>1 TB</td><td>9 euros</td></tr>"
            "</table>",
            "Basic | 10 GB | Free",
        ),
    ],
)
def test_a_first_row_that_names_the_columns_is_the_header(tmp_path, table, first):
    doc, blocks = load_page(tmp_path, page(table))
    assert first in doc.text


def test_the_cms_form_of_a_guide_keeps_the_text_forms_units(tmp_path):
    """The fixture tool's CMS page of the test guide: its units are the text guide's."""
    guide = tmp_path / "acme-help.txt"
    guide.write_text(GUIDE, encoding="utf-8")
    cms_fixtures.main([str(guide), str(tmp_path / "out")])
    _, text_blocks = parse_guide(GUIDE)
    ((doc, blocks),) = load_corpus(tmp_path / "out" / "cms")
    got = [(b.kind, b.text) for b in flat(blocks)]
    for kind, text in ((b.kind, b.text) for b in flat(text_blocks)):
        # One page alone cannot tell its site's "Was this article helpful?" from its last answer.
        assert any(k == kind and t.startswith(text) for k, t in got), (kind, text)
    trails = {b.text: b.trail[-1] for b in flat(blocks) if b.trail}
    assert trails["Bayview: 555-0201"] == "Southern Region"


# --------------------------------------------------------------- saved sites


def test_a_saved_site_drops_what_every_page_repeats_and_keeps_each_pages_title(tmp_path):
    guide = tmp_path / "acme-help.txt"
    guide.write_text(GUIDE, encoding="utf-8")
    cms_fixtures.main([str(guide), str(tmp_path / "out")])
    site = tmp_path / "out" / "site"
    files = corpus_files(site)
    assert all(p.suffix == ".html" for p in files) and len(files) >= 4  # assets left out, silently
    said = []
    corpus = read_corpus(site, said.append)
    # The home page is a title over the site's links: nothing of its own to answer with.
    assert said == [f"{site / 'index.html'}: left out, it holds only a title and what every page of its site repeats"]
    text = "\n".join(d.text for d, _ in corpus.loaded)
    for chrome in ("Was this article helpful?", "Still need help?", "All rights reserved", "Service status"):
        assert chrome not in text
    titles = {d.doc_id: d.title for d, _ in corpus.loaded}
    assert titles["contact-directory/index.html"] == "Contact Directory"
    assert len(set(titles.values())) == len(titles)
    contact = next(b for d, bs in corpus.loaded for b in flat(bs) if b.text == "Bayview: 555-0201")
    # The page is one section of the help centre: its title heads the trail, as in the one-page guide.
    assert contact.trail == ("Contact Directory", "Southern Region")


def site_page(n: int, extra: str = "") -> str:
    return (
        "<html><body><div class='top'><p>Acme Help Centre: answers about widgets, plans and billing.</p></div>"
        f"<div class='main'><h1>Article {n}</h1><p>Article {n} says something only it says, at length, number {n}.</p>"
        f"{extra}<p>Was this article helpful? Tell us with the buttons below.</p></div>"
        "<div class='foot'><p>Copyright Acme Widgets Ltd, all rights reserved worldwide.</p></div></body></html>"
    )


@pytest.mark.parametrize("pages, dropped", [(2, False), (3, True), (6, True)])
def test_repetition_needs_three_pages_and_half_the_site(tmp_path, pages, dropped):
    for n in range(pages):
        (tmp_path / f"a{n}.html").write_text(site_page(n), encoding="utf-8")
    loaded = load_corpus(tmp_path)
    text = "\n".join(d.text for d, _ in loaded)
    assert ("Was this article helpful?" in text) != dropped
    assert all(f"only it says, at length, number {n}." in text for n in range(pages))


def test_content_repeated_on_a_few_pages_of_a_big_site_stays(tmp_path):
    note = "<p>Note: resetting a widget keeps its settings and its history.</p>"
    for n in range(10):
        (tmp_path / f"a{n}.html").write_text(site_page(n, note if n < 3 else ""), encoding="utf-8")
    text = "\n".join(d.text for d, _ in load_corpus(tmp_path))
    assert text.count("resetting a widget keeps its settings") == 3
    assert "Was this article helpful?" not in text


def test_a_page_saved_twice_is_not_emptied(tmp_path):
    for n in range(4):
        (tmp_path / f"copy{n}.html").write_text(site_page(1), encoding="utf-8")
    loaded = load_corpus(tmp_path)
    assert len(loaded) == 4 and all("only it says" in d.text for d, _ in loaded)


def test_wget_mirror_pages_get_their_url_and_browser_asset_folders_are_skipped(tmp_path):
    host = tmp_path / "help.example.com"
    (host / "billing").mkdir(parents=True)
    (host / "index.html").write_text(page("<p>Welcome to the help centre of Acme.</p>", "Home"), encoding="utf-8")
    (host / "billing" / "index.html").write_text(page("<p>Invoices arrive monthly.</p>", "Billing"), encoding="utf-8")
    (tmp_path / "saved.html").write_text(page("<p>A page saved from a browser.</p>", "Saved"), encoding="utf-8")
    assets = tmp_path / "saved_files"
    assets.mkdir()
    (assets / "ad-frame.html").write_text(page("<p>Buy now, limited offer.</p>", "Ad"), encoding="utf-8")
    (assets / "app.js").write_text("x()")
    urls = {d.doc_id: d.url for d, _ in load_corpus(tmp_path)}
    assert urls == {
        "help.example.com/billing/index.html": "https://help.example.com/billing/",
        "help.example.com/index.html": "https://help.example.com/",
        "saved.html": None,
    }


@pytest.mark.parametrize(
    "rel, url",
    [
        ("docs.example.com/faq/index.html", "https://docs.example.com/faq/"),
        ("example.org/billing.html", "https://example.org/billing.html"),
        ("Help.Example.COM/index.html", "https://help.example.com/"),
        ("xn--mller-kva.de/index.html", "https://xn--mller-kva.de/"),  # names in ASCII (punycode) form
        ("help.xn--p1ai/index.html", "https://help.xn--p1ai/"),
        ("v2.0/faq.html", None),
        ("1.2.3/faq.html", None),
        ("docs.v3/faq.html", None),
        ("release-2.x/faq.html", None),
        ("10.0.0.1/faq.html", None),  # an address reads as a version (1.2.3.4) too
        ("docs.old/faq.html", None),
        ("vue.js/guide/index.html", None),
        ("faq.html", None),
    ],
)
def test_only_a_folder_named_like_a_host_gives_its_pages_a_url(rel, url):
    assert mirror_url(rel) == url


def test_pages_in_a_versions_folder_get_no_made_up_url(tmp_path):
    (tmp_path / "v2.0").mkdir()
    (tmp_path / "v2.0" / "faq.html").write_text(page("<p>Version two keeps your settings.</p>"), encoding="utf-8")
    ((doc, _),) = load_corpus(tmp_path)
    assert doc.doc_id == "v2.0/faq.html" and doc.url is None


# ------------------------------------------------- documentation generators' pages


def test_a_list_of_questions_in_a_dl_keeps_each_question_and_its_lists(tmp_path):
    dl = (
        "<dl><dt>I see UDP loss. Why?</dt><dd><p>Check the version.</p><ul><li>Use 3.1.5</li><li>Or newer</li></ul></dd>"
        "<dt>Does it run on Windows?</dt><dd><p>Not officially.</p></dd>"
        "<dt>Is there help? Where?</dt><dd><p>Ask on the list.</p></dd></dl>"
    )
    _, blocks = load_page(tmp_path, page(dl))
    faqs = [b for b in blocks if b.kind == "faq"]
    assert [b.question for b in faqs] == ["I see UDP loss. Why?", "Does it run on Windows?", "Is there help? Where?"]
    assert faqs[0].text == "Check the version.\n\u2022 Use 3.1.5\n\u2022 Or newer"


@pytest.mark.parametrize(
    "heading",
    [
        '<h2>Install<a class="headerlink" href="#install">¶</a></h2>',
        '<h2>Install<a class="headerlink" href="#install">#</a></h2>',
        '<h2>Install <a class="hash-link" href="#install">\u200b</a></h2>',
        '<h2>Install<a href="#install">§</a></h2>',
    ],
)
def test_heading_permalink_marks_are_not_words(tmp_path, heading):
    _, blocks = load_page(tmp_path, page(heading + "<p>Run the installer for your system.</p>"))
    (b,) = blocks
    assert b.trail[-1] == "Install"


@pytest.mark.parametrize(
    "tabs",
    [
        '<div><ul role="tablist"><li role="tab">macOS</li><li role="tab">Linux</li></ul><div>'
        '<div role="tabpanel"><pre>brew install tool</pre></div>'
        '<div role="tabpanel" hidden=""><pre>apt install tool</pre></div></div></div>',
        '<div class="tabbed-set"><input type="radio"><input type="radio"><div class="tabbed-labels">'
        "<label>macOS</label><label>Linux</label></div><div class='tabbed-content'>"
        '<div class="tabbed-block"><pre>brew install tool</pre></div>'
        '<div class="tabbed-block"><pre>apt install tool</pre></div></div></div>',
    ],
    ids=["aria", "mkdocs-material"],
)
def test_every_tab_panel_is_content_led_by_its_tab(tmp_path, tabs):
    _, blocks = load_page(tmp_path, page("<main><h2>Install</h2>" + tabs + "</main>"))
    assert [(b.lead, b.text) for b in blocks if b.kind == "code"] == [
        ("macOS:", "brew install tool"),
        ("Linux:", "apt install tool"),
    ]


def test_an_on_this_page_list_is_navigation(tmp_path):
    toc = (
        '<ul><li><a href="#a">Install</a></li><li><a href="#b">Upgrade</a><ul><li><a href="#c">Pins</a></li></ul></li>'
    )
    toc += '<li><a href="#d">Remove</a></li></ul>'
    body = "<main><h2 id='a'>Install</h2><p>Run the installer.</p>" + toc + "</main>"
    _, blocks = load_page(tmp_path, page(body))
    assert [b.kind for b in blocks] == ["passage"]
