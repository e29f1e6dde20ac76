"""``python -m pulumi_groups deploy``: selection, scheduling, rate shares, summary and exit codes,
with the Automation API seam (``AutomationApi``) replaced by a fake."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pulumi_groups.commands import deploy, stack_files
from pulumi_groups.commands.automation import PREVIEW, REFRESH, REFRESH_PREVIEW
from tests.support.waits import HANG_GUARD_SECONDS

STACKS = {
    # brand-eu and brand-us share one Capillary till user and one WeSurvey app.
    "brand-eu": """\
config:
  capillary:orgs:
    brand-eu: {host: eu, username: till.shared, password: pw}
  wesurvey:accounts:
    default: {appId: app-shared, secret: s}
""",
    "brand-us": """\
# US brand: same till user as brand-eu, with a lower budget of its own.
config:
  capillary:orgs:
    brand-us: {host: eu, username: till.shared, password: pw, requestsPerMinute: 60}
  wesurvey:accounts:
    default: {appId: app-shared, secret: s}
""",
    "brand-asia": """\
config:
  capillary:orgs:
    default: {host: apac, username: till.asia, password: pw}
  wesurvey:accounts:
    default: {appId: app-asia, secret: s}
""",
    "other-x": """\
config:
  capillary:orgs:
    default: {host: us, username: till.x, password: pw}
""",
    "example-basic": """\
config:
  capillary:orgs:
    brand-eu: {host: eu, username: REPLACE-till-user}
""",
}


class CommandFailed(Exception):
    """Shaped like the Automation API's CommandError text."""


class FakeApi:
    """Reads config from the stack files (plaintext) and records every run."""

    def __init__(self, repo: Path, results=None, config_errors=(), delay=0.0, together=0) -> None:
        self.repo = repo
        self.results = results or {}
        self.config_errors = set(config_errors)
        self.delay = delay
        # Each run holds until `together` runs are running at once (the event a test of
        # parallelism waits for, instead of runs long enough to overlap); HANG_GUARD_SECONDS only
        # ends a hold the scheduler never releases, which the test's assertion then reports.
        self.together = together
        self.all_running = threading.Event()
        self.ticks = itertools.count()  # the order of starts and ends, under the lock: no clock
        self.lock = threading.Lock()
        self.runs: list[dict] = []
        self.running: set[str] = set()
        self.max_running = 0
        self.created: list[str] = []

    def read_config(self, stack: str, create: bool = False) -> dict[str, str]:
        if stack in self.config_errors:
            raise CommandFailed(f"code: 255\n stdout: \n stderr: error: no stack named '{stack}' found\n")
        if create:
            self.created.append(stack)
        return stack_files.plaintext_config(stack_files.load(self.repo / "stacks" / f"Pulumi.{stack}.yaml")).values

    def recorded_state(self, stack: str) -> dict | None:
        return None  # as for stacks the backend does not have

    def run(self, stack, operation, *, config_text, on_output, on_event=None):
        with self.lock:
            self.running.add(stack)
            self.max_running = max(self.max_running, len(self.running))
            record = {"stack": stack, "operation": operation, "config_text": config_text, "start": next(self.ticks)}
            self.runs.append(record)
            if len(self.running) >= self.together:
                self.all_running.set()
        try:
            on_output(f"Previewing update ({stack}):\n")
            if not self.all_running.wait(HANG_GUARD_SECONDS):
                self.all_running.set()  # never reached: release the rest at once, the test fails
            time.sleep(self.delay)
            result = self.results.get(stack, {"same": 2})
            if isinstance(result, Exception):
                raise result
            return result
        finally:
            with self.lock:
                record["end"] = next(self.ticks)
                self.running.discard(stack)

    def run_of(self, stack: str) -> dict:
        return next(r for r in self.runs if r["stack"] == stack)


def run(repo, argv, **fake_options):
    fake = FakeApi(repo, **fake_options)
    code = deploy.main(argv, api_factory=lambda root: fake)
    return code, fake


def overlap(a: dict, b: dict) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def test_runs_every_matching_stack_and_only_those(repo, capsys):
    code, fake = run(repo, ["--stacks", "brand-*"])
    assert code == 0
    assert sorted(r["stack"] for r in fake.runs) == ["brand-asia", "brand-eu", "brand-us"]
    assert {r["operation"] for r in fake.runs} == {PREVIEW}  # the default operation
    assert sorted(fake.created) == ["brand-asia", "brand-eu", "brand-us"]  # preview creates new stacks

    code, fake = run(repo, ["--stacks", "other-*,brand-eu", "--stacks", "nothing-*"])
    assert sorted(r["stack"] for r in fake.runs) == ["brand-eu", "other-x"]


def test_example_templates_run_only_when_named(repo):
    code, fake = run(repo, ["--stacks", "*"])
    assert "example-basic" not in {r["stack"] for r in fake.runs} and len(fake.runs) == 4
    code, fake = run(repo, ["--stacks", "example-*"])
    assert [r["stack"] for r in fake.runs] == ["example-basic"]


def test_no_matching_stack_is_an_error_listing_the_stacks(repo, capsys):
    code, fake = run(repo, ["--stacks", "brnd-*"])
    assert code == 1 and fake.runs == []
    assert (
        "no stack file matches brnd-* (stacks: brand-asia, brand-eu, brand-us, example-basic, other-x)"
        in capsys.readouterr().err
    )


def test_several_at_once_but_never_two_sharing_a_wesurvey_app(repo):
    code, fake = run(repo, ["--stacks", "*", "--parallel", "3"], together=3)
    assert code == 0 and len(fake.runs) == 4
    assert fake.max_running == 3  # brand-asia, other-x and one of the two sharing app-shared
    # brand-eu and brand-us share app-shared: a new token would invalidate the other's.
    assert not overlap(fake.run_of("brand-eu"), fake.run_of("brand-us"))


def test_parallel_one_runs_one_at_a_time(repo):
    code, fake = run(repo, ["--stacks", "*", "--parallel", "1"], delay=0.01)
    assert code == 0 and fake.max_running == 1 and len(fake.runs) == 4
    # Alone, nobody shares a budget: no stack file is rewritten for the run.
    assert all(r["config_text"] is None for r in fake.runs)


def test_a_shared_capillary_credential_gets_its_budget_split(repo, capsys):
    code, fake = run(repo, ["--stacks", "brand-*", "--parallel", "4"])
    assert code == 0
    yaml = YAML(typ="safe")
    eu = yaml.load(fake.run_of("brand-eu")["config_text"])
    us = yaml.load(fake.run_of("brand-us")["config_text"])
    # The lowest budget configured for the credential (60), split between the two stacks.
    assert eu["config"]["capillary:orgs"]["brand-eu"]["requestsPerMinute"] == 30
    assert us["config"]["capillary:orgs"]["brand-us"]["requestsPerMinute"] == 30
    assert fake.run_of("brand-us")["config_text"].startswith("# US brand: same till user as brand-eu")
    assert fake.run_of("brand-asia")["config_text"] is None  # its credential is its own
    # The user's files are never touched.
    assert (repo / "stacks" / "Pulumi.brand-us.yaml").read_text() == STACKS["brand-us"]
    assert (
        "[brand-eu] shared Capillary credentials: requestsPerMinute for this run: brand-eu 30/min"
        in capsys.readouterr().out
    )


def test_one_failure_does_not_stop_the_others(repo, capsys):
    failure = CommandFailed(
        "code: 255\n stdout: Updating (brand-us):\n"
        "    error: capillary org 'brand-us': create badge group 'GOLD' "
        "failed (HTTP 401, request id r-1): check the credentials\n"
        " error: update failed\n stderr: \n"
    )
    code, fake = run(repo, ["--stacks", "brand-*", "--up"], results={"brand-us": failure}, config_errors={"brand-asia"})
    assert code == 1
    assert sorted(r["stack"] for r in fake.runs) == ["brand-eu", "brand-us"]
    out = capsys.readouterr().out
    table = out[out.index("STACK") :]
    assert (
        "failed: capillary org 'brand-us': create badge group 'GOLD' "
        "failed (HTTP 401, request id r-1): check the credentials"
    ) in table
    assert "failed: reading its config: no stack named 'brand-asia' found" in table
    eu_row = next(line for line in table.splitlines() if line.startswith("brand-eu"))
    assert eu_row.split()[-1] == "ok"


def test_summary_table_for_preview_and_up(repo, capsys):
    results = {"brand-eu": {"create": 2, "update": 1, "same": 4}, "brand-us": {"delete": 1, "replace": 1}}
    code, _ = run(repo, ["--stacks", "brand-*", "--up"], results=results)
    assert code == 0
    out = capsys.readouterr().out
    table = out[out.index("STACK") :].splitlines()
    assert table[0].split() == ["STACK", "CREATE", "UPDATE", "DELETE", "REPLACE", "RESULT"]
    assert [row.split() for row in table[1:]] == [
        ["brand-asia", "0", "0", "0", "0", "ok"],
        ["brand-eu", "2", "1", "0", "0", "ok"],
        ["brand-us", "0", "0", "1", "1", "ok"],
    ]
    assert "[brand-eu] Previewing update (brand-eu):" in out  # each run's lines, prefixed


def test_refresh_with_expect_no_changes_is_a_drift_check(repo, capsys):
    results = {"brand-eu": {"same": 3, "update": 1}, "brand-us": {"same": 2, "delete": 1, "update": 2}}
    code, fake = run(repo, ["--stacks", "brand-*", "--refresh", "--expect-no-changes"], results=results)
    assert code == 2
    assert {r["operation"] for r in fake.runs} == {REFRESH_PREVIEW}  # state left as it was
    assert fake.created == []  # a refresh never creates a stack
    out = capsys.readouterr().out
    table = out[out.index("STACK") :].splitlines()
    cells = {row.split("  ")[0].strip(): [c.strip() for c in row.split("  ") if c.strip()] for row in table}
    assert cells["STACK"] == ["STACK", "DRIFT", "RESULT"]
    assert cells["brand-eu"] == ["brand-eu", "1 changed", "drift"]
    assert cells["brand-us"] == ["brand-us", "2 changed, 1 gone", "drift"]
    assert cells["brand-asia"] == ["brand-asia", "none", "ok"]


def test_plain_refresh_accepts_drift(repo):
    code, fake = run(repo, ["--stacks", "brand-eu", "--refresh"], results={"brand-eu": {"update": 1}})
    assert code == 0 and fake.runs[0]["operation"] == REFRESH


def test_failure_wins_over_drift(repo):
    results = {"brand-eu": {"update": 1}, "brand-us": CommandFailed("boom")}
    code, _ = run(repo, ["--stacks", "brand-*", "--refresh", "--expect-no-changes"], results=results)
    assert code == 1


def test_preview_expect_no_changes(repo):
    code, _ = run(repo, ["--stacks", "brand-*", "--expect-no-changes"], results={"brand-eu": {"create": 1}})
    assert code == 2
    code, _ = run(repo, ["--stacks", "brand-*", "--expect-no-changes"])
    assert code == 0
    with pytest.raises(SystemExit) as raised:
        run(repo, ["--stacks", "brand-*", "--up", "--expect-no-changes"])
    assert raised.value.code == 2


def test_without_the_cli_it_says_how_to_install_it(repo, monkeypatch, capsys):
    empty = repo / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert deploy.main(["--stacks", "brand-*"]) == 1
    err = capsys.readouterr().err
    assert "deploy needs the pulumi CLI" in err and "curl -fsSL https://get.pulumi.com | sh" in err


# -- the rate-limit copy of a stack file --------------------------------------------------------------


def test_rate_limits_reach_shorthand_env_and_encrypted_orgs_through_the_top_level(tmp_path):
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text(
        "encryptionsalt: v1:salt\n"
        "config:\n"
        '  capillary:requestsPerMinute: "80"\n'
        "  capillary:host: eu  # the org 'default' from shorthand keys\n"
        "  capillary:orgs:\n"
        "    brand-b:\n"
        "      host: us\n"
        "      username: u\n"
        "      password:\n"
        "        secure: v1:abc\n"
    )
    stack_file = stack_files.load(path)
    text, warnings = stack_files.with_rate_limits(stack_file, {"default": 20})
    doc = YAML(typ="safe").load(text)
    assert doc["config"]["capillary:requestsPerMinute"] == "20"
    # brand-b shares nothing: pinned to the value it had, so the lowered top level misses it.
    assert doc["config"]["capillary:orgs"]["brand-b"]["requestsPerMinute"] == 80
    assert doc["config"]["capillary:orgs"]["brand-b"]["password"] == {"secure": "v1:abc"}
    assert doc["encryptionsalt"] == "v1:salt" and "# the org 'default' from shorthand keys" in text
    assert warnings == []
    assert path.read_text().count("requestsPerMinute") == 1  # the file itself is unchanged

    path.write_text("config:\n  capillary:orgs:\n    secure: v1:whole-object\n")
    text, warnings = stack_files.with_rate_limits(stack_files.load(path), {"brand-x": 22.5})
    assert YAML(typ="safe").load(text)["config"]["capillary:requestsPerMinute"] == "22.5"
    assert "org 'brand-x' is inside an encrypted value" in warnings[0]


def test_rate_share_math():
    def info(name, *orgs):
        return deploy.StackInfo(name, Path(name), capillary={org: (cred, rpm) for org, cred, rpm in orgs})

    stacks = [
        info("a", ("x", "shared", 90.0), ("y", "own-a", 90.0)),
        info("b", ("x", "shared", 90.0)),
        info("c", ("z", "shared", 120.0)),
    ]
    assert deploy.rate_limits(stacks, parallel=4) == {"a": {"x": 30.0}, "b": {"x": 30.0}, "c": {"z": 30.0}}
    assert deploy.rate_limits(stacks, parallel=2) == {"a": {"x": 45.0}, "b": {"x": 45.0}, "c": {"z": 45.0}}
    assert deploy.rate_limits(stacks, parallel=1) == {}


def rate_in_run(repo, fake: FakeApi, stack: str, org: str) -> float:
    """The requestsPerMinute the provider of a run reads for ``org`` (from the config it was given)."""
    from pulumi_groups.capillary import settings as capillary_settings

    text = fake.run_of(stack)["config_text"]
    path = repo / "run-config.yaml"
    path.write_text(text if text is not None else (repo / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    values = stack_files.plaintext_config(stack_files.load(path)).values
    return capillary_settings.load(values, {}).orgs[org].requests_per_minute


@pytest.mark.parametrize(("stack", "org", "own"), [("other-x", "default", 90.0), ("brand-us", "brand-us", 60.0)])
def test_a_rate_limit_lowers_a_stacks_own_budget_and_never_raises_it(repo, stack, org, own):
    _, fake = run(repo, ["--stacks", stack, "--rate-limit", f"{org}=1000"])
    assert rate_in_run(repo, fake, stack, org) == own
    _, fake = run(repo, ["--stacks", stack, "--rate-limit", f"{org}=25"])
    assert rate_in_run(repo, fake, stack, org) == 25.0
