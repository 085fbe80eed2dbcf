"""Accessibility check for browser tests: axe-core (shipped by axe-playwright-python) on the current page.

    from tests.browser.axe import assert_no_axe_violations
    page.goto(live_server.url + "/")
    assert_no_axe_violations(page)

axe runs its default rule set (WCAG 2.0/2.1 A and AA, plus best practices). The CSP does not get in the way:
Playwright evaluates the script through the DevTools protocol, not as a page script.
"""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = ", ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node.get('html', '').strip()[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            if summary:
                lines.append(f"       {summary[:400]}")
    return "\n".join(lines)


def assert_no_axe_violations(page, context=None) -> None:
    """Fail with a readable list when axe finds any violation on `page` (optionally within a CSS selector)."""
    results = _axe.run(page, context=context)
    violations = results.response["violations"]
    if violations:
        raise AssertionError(f"{len(violations)} axe violation(s) on {page.url}:\n{format_violations(violations)}")
