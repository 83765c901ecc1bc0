"""``run_lesson``: a lesson's flow on your own provider, every failure turned into a step that says why."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import requests

from tokenlab.errors import TokenLabError, UsageError
from tokenlab.own_provider.flow import Flow, Skip
from tokenlab.own_provider.report import Report, Step
from tokenlab.own_provider.settings import OwnProvider
from tokenlab.own_provider.steps import LESSONS


def _how_to(lesson: int) -> str:
    topic, steps = LESSONS[lesson]
    needs = "TOKENLAB_CLIENT_ID and TOKENLAB_CLIENT_SECRET (a confidential client allowed client_credentials)"
    if lesson in (6, 11):
        needs = "TOKENLAB_LOGIN_CLIENT_ID, TOKENLAB_REDIRECT_URI, TOKENLAB_USERNAME and TOKENLAB_PASSWORD"
    elif lesson == 10:
        needs += ", and for a login TOKENLAB_LOGIN_CLIENT_ID, TOKENLAB_USERNAME, TOKENLAB_PASSWORD"
    return "\n".join(
        [
            f"No provider of your own is chosen, so lesson {lesson:02d}'s flow ({topic}) ran only on the course's.",
            "To run it against a real OpenID provider, set TOKENLAB_ISSUER (its issuer URL) and",
            f"{needs} before starting JupyterLab, or pass them here:",
            "    from tokenlab.own_provider import OwnProvider",
            f"    run_lesson({lesson}, OwnProvider(issuer=..., ...))",
            "It would do, discovering every endpoint from the issuer:",
            *(f"    {title}" for title, _ in steps),
        ]
    )


def run_lesson(lesson: int, provider: OwnProvider | None = None, *, environ: Mapping[str, str] | None = None) -> Report:
    """Run lesson ``lesson``'s flow (5, 6, 10 or 11) on ``provider``, or the one the environment names.

    Returns a :class:`Report`; with no provider chosen, its text says how to choose one.
    """
    if lesson not in LESSONS:
        raise UsageError(f"lessons {', '.join(map(str, LESSONS))} have a flow for your own provider, not {lesson!r}")
    provider = provider if provider is not None else OwnProvider.from_environment(environ)
    if provider is None:
        return Report(lesson, None, intro=_how_to(lesson))
    report = Report(lesson, provider.issuer)
    problem = provider.problem()
    if problem:
        report.steps.append(Step("the issuer", "failed", problem))
        return report
    flow = Flow(provider)
    try:
        for title, step in LESSONS[lesson][1]:
            report.steps.append(_run_step(title, step, flow))
    finally:
        flow.close()
    return report


def _run_step(title: str, step: Callable[[Flow], str], flow: Flow) -> Step:
    try:
        return Step(title, "ok", step(flow))
    except Skip as why:
        return Step(title, "skipped", str(why))
    except requests.ConnectionError:
        return Step(title, "failed", f"could not connect to {flow.provider.issuer}: is it running, and the URL right?")
    except requests.Timeout:
        return Step(title, "failed", f"{flow.provider.issuer} did not answer in time")
    except requests.HTTPError as err:
        status = err.response.status_code if err.response is not None else "?"
        return Step(title, "failed", f"{err.request.url if err.request else 'the provider'} answered {status}")
    except (requests.RequestException, ValueError) as err:
        if isinstance(err, TokenLabError):
            return Step(title, "failed", str(err))
        return Step(title, "failed", f"the provider's answer could not be read: {err}")
    except TokenLabError as err:
        return Step(title, "failed", str(err))
