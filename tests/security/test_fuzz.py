"""Property-based fuzzing of every operation of the app's OpenAPI description (schemathesis + hypothesis).

Cases are generated from the description the app serves at /openapi.json, valid ones (positive) and invalid ones
(negative: wrong types, missing fields, values out of range), and sent to the real app over a copy of the bundled
store, once anonymously and once with an admin token. The criterion: no answer is a 5xx (and the app raises
nothing). Every 5xx is collected with the request that caused it, so that one run shows them all.

``CRITMIN_FUZZ_EXAMPLES`` is the number of examples per operation, mode and caller: 6 by default (make test, about
two minutes on two loaded cores), many more under ``make stress`` (e.g. 200). The test prints
"fuzz: N cases over M operations, K 5xx". No operation is excluded.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.conftest import PRINTED
from tests.security.conftest import Hub

EXAMPLES = int(os.environ.get("CRITMIN_FUZZ_EXAMPLES", "6"))
CI = "CRITMIN_FUZZ_EXAMPLES" not in os.environ  # the same cases on every CI run; new ones in every stress run
BASE_URL = "http://testserver"


@dataclass
class Findings:
    cases: int = 0
    operations: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    no_negative: list[str] = field(default_factory=list)  # operations with nothing to break (no parameters)


def send(hub: Hub, case: schemathesis.Case, headers: dict[str, str]) -> tuple[int, str]:
    """The case as the exact bytes requests would send, through the app's test client (a started app: its
    lifespan ran, over either store backend)."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    kwargs.pop("auth", None)
    known = ("method", "url", "headers", "params", "cookies", "data", "files", "json")
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in known}).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    response = hub.client.request(prepared.method or "GET", prepared.url or BASE_URL, content=body,
                                  headers=dict(prepared.headers))
    return response.status_code, response.text[:300]


def fuzz_operation(hub: Hub, operation: schemathesis.APIOperation, mode: GenerationMode, caller: str,
                   findings: Findings) -> None:
    headers = hub.admin if caller == "admin" else {}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              derandomize=CI, phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        findings.cases += 1
        try:
            status, text = send(hub, case, headers)
        except Exception as error:  # the test client re-raises what the app did not handle: a 500
            status, text = 500, "".join(traceback.format_exception_only(error)).strip()
        if status >= 500:
            findings.errors.append(f"{caller} {mode.value}: {case.as_curl_command(headers)} -> {status}: {text}")

    try:
        run()
    except Unsatisfiable:
        # only for negative cases of an operation with no parameter and no body: there is nothing to make invalid
        assert mode == GenerationMode.NEGATIVE, operation.label
        findings.no_negative.append(f"{caller} {operation.label}")


def test_no_operation_answers_5xx(hub: Hub, record_property) -> None:
    raw = hub.client.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    findings = Findings()
    declared = sum(len(methods) for methods in raw["paths"].values())
    for result in schema.get_all_operations():
        operation = result.ok()
        findings.operations.add(operation.label)
        for caller in ("anonymous", "admin"):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzz_operation(hub, operation, mode, caller, findings)
    assert len(findings.operations) == declared, "an operation of the description was not fuzzed"
    line = (f"fuzz: {findings.cases} cases over {len(findings.operations)} operations, {len(findings.errors)} 5xx "
            f"({len(findings.no_negative) // 2} operations take no input, so only valid cases)")
    print(line)
    record_property(PRINTED, line + "".join(f"\n  {error}" for error in findings.errors[:20]))
    assert not findings.errors, "\n".join(findings.errors[:20])


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_the_description_is_served(hub: Hub, path: str) -> None:
    assert hub.client.get(path).status_code == 200
