"""How wide a page is laid out, measured once it has loaded: a page measured while it still
loads (right after a click that navigates) is laid out without its style sheet."""

PHONE_WIDTH = 360


def page_width(page) -> int:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")


def assert_fits(page, width: int = PHONE_WIDTH) -> None:  # type: ignore[no-untyped-def]
    """Nothing sticks out sideways: the page is no wider than the screen."""
    measured = page_width(page)
    assert measured <= width, f"{page.url} is {measured} px wide"
