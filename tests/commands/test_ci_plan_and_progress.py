"""``deploy --plan-ci`` (the CI matrix: concurrency keys and rate shares), ``--rate-limit`` (a
job applying its share) and the progress lines, behind the Automation API seam."""

from __future__ import annotations

import io
import json

from pulumi.automation.events import EngineEvent
from ruamel.yaml import YAML

from pulumi_groups.commands import deploy
from pulumi_groups.commands.progress import Progress
from tests.commands.test_deploy import FakeApi

CHAINED = {
    # chain-a and chain-b share a Capillary till user; chain-b and chain-c a WeSurvey app.
    "chain-a": (
        "config:\n  capillary:orgs:\n    a: {host: eu, username: till.chain, password: pw, requestsPerMinute: 80}\n"
    ),
    "chain-b": (
        "config:\n  capillary:orgs:\n    b: {host: eu, username: till.chain, password: pw}\n"
        "  wesurvey:accounts:\n    default: {appId: app-chain, secret: s}\n"
    ),
    "chain-c": "config:\n  wesurvey:accounts:\n    default: {appId: app-chain, secret: s}\n",
}


def plan(repo, capsys, *argv) -> dict:
    fake = FakeApi(repo)
    code = deploy.main(["--plan-ci", *argv], api_factory=lambda root: fake)
    out = capsys.readouterr().out
    assert code == 0 and fake.runs == []  # planning runs nothing
    return json.loads(out)  # stdout is the matrix alone


def test_plan_ci_groups_shared_credentials_and_splits_their_budget(repo, capsys):
    matrix = plan(repo, capsys, "--stacks", "*")
    jobs = {job["stack"]: job for job in matrix["include"]}
    assert sorted(jobs) == ["brand-asia", "brand-eu", "brand-us", "other-x"]
    # brand-eu and brand-us share a till user and a WeSurvey app: one key, never run together.
    assert jobs["brand-eu"]["concurrency"] == jobs["brand-us"]["concurrency"]
    keys = {job["concurrency"] for job in jobs.values()}
    assert len(keys) == 3
    # The lowest budget configured for the shared credential (60), split between its 2 stacks.
    assert jobs["brand-eu"]["requestsPerMinute"] == {"brand-eu": 30}
    assert jobs["brand-us"]["requestsPerMinute"] == {"brand-us": 30}
    assert jobs["brand-eu"]["rateLimits"] == "brand-eu=30"
    assert jobs["brand-asia"]["requestsPerMinute"] == {} and jobs["brand-asia"]["rateLimits"] == ""
    # The key names no credential.
    assert not any(secret in json.dumps(matrix) for secret in ("till.shared", "app-shared", 'pw"'))


def test_plan_ci_follows_chains_and_groups_by_key(repo, capsys):
    for name, text in CHAINED.items():
        (repo / "stacks" / f"Pulumi.{name}.yaml").write_text(text)
    jobs = {job["stack"]: job for job in plan(repo, capsys, "--stacks", "chain-*")["include"]}
    assert len({job["concurrency"] for job in jobs.values()}) == 1  # a -cred- b -app- c
    assert jobs["chain-a"]["requestsPerMinute"] == {"a": 40}  # min(80, default 90) / 2
    assert jobs["chain-b"]["requestsPerMinute"] == {"b": 40}
    assert jobs["chain-c"]["requestsPerMinute"] == {}  # WeSurvey only: serialised, nothing to split

    grouped = plan(repo, capsys, "--stacks", "chain-*,other-x", "--ci-jobs", "group")["include"]
    assert sorted(job["stacks"] for job in grouped) == ["chain-a,chain-b,chain-c", "other-x"]


def test_a_job_applies_its_share_with_rate_limit(repo):
    fake = FakeApi(repo)
    assert deploy.main(["--stacks", "brand-asia", "--rate-limit", "default=22.5"], api_factory=lambda root: fake) == 0
    text = fake.run_of("brand-asia")["config_text"]
    assert YAML(typ="safe").load(text)["config"]["capillary:orgs"]["default"]["requestsPerMinute"] == 22.5
    # An empty share (a matrix entry without one) changes nothing.
    fake = FakeApi(repo)
    assert deploy.main(["--stacks", "brand-asia", "--rate-limit", ""], api_factory=lambda root: fake) == 0
    assert fake.run_of("brand-asia")["config_text"] is None


# -- progress -----------------------------------------------------------------------------------------


def outputs_event(n: int, type_token: str = "pulumi-python:dynamic/capillary:BadgeGroup") -> EngineEvent:
    return EngineEvent.from_json(
        {
            "sequence": n,
            "timestamp": n,
            "resOutputsEvent": {
                "metadata": {
                    "op": "same",
                    "urn": f"urn:pulumi:s::pulumi-groups::{type_token}::default/badge/G{n}",
                    "type": type_token,
                    "provider": "",
                }
            },
        }
    )


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_is_a_line_per_tenth_with_counts_and_elapsed():
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, interactive=False, clock=clock)
    progress.start("brand-eu", "refresh", total=40)
    for n in range(40):
        clock.now += 0.5
        progress.on_event("brand-eu", outputs_event(n))
        progress.on_event(
            "brand-eu",
            EngineEvent.from_json({"sequence": n, "timestamp": n, "stdoutEvent": {"message": "x", "color": "never"}}),
        )
    progress.on_event("brand-eu", outputs_event(99, "pulumi:pulumi:Stack"))  # not a group: not counted
    progress.finish("brand-eu", "done")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[brand-eu] refresh: started, 40 resources"
    running = [line for line in lines if line.endswith(", running")]
    assert [line.split(": ", 1)[1].split(" resources")[0] for line in running] == [f"{4 * i}/40" for i in range(1, 10)]
    assert lines[-1] == "[brand-eu] refresh: 40/40 resources, 20s, done"
    assert len(lines) == 11 and "\x1b" not in stream.getvalue()


def test_a_terminal_gets_status_lines_redrawn_in_place_and_output_above_them():
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, interactive=True, clock=clock)
    progress.start("a", "preview", total=2)
    progress.start("b", "preview", total=1)
    progress.on_event("a", outputs_event(1))
    progress.line("a", "Previewing update (a):")
    progress.finish("b", "done")
    progress.finish("a", "done")
    progress.close()
    text = stream.getvalue()
    assert "\x1b[2F\x1b[J" in text  # two status lines erased before a redraw
    # What stays on screen once the escapes are applied: output lines and each stack's last status.
    screen: list[str] = []
    for chunk in text.split("\x1b["):
        if chunk[:1].isdigit() and "F" in chunk[:4]:
            count = int(chunk[: chunk.index("F")])
            del screen[len(screen) - count :]
            chunk = chunk[chunk.index("F") + 1 :]
        if chunk.startswith("J"):
            chunk = chunk[1:]
        screen += chunk.splitlines()
    assert screen == [
        "[a] Previewing update (a):",
        "[b] preview: 0/1 resources, 0s, done",
        "[a] preview: 1/2 resources, 0s, done",
    ]


def test_plan_ci_keys_come_from_host_and_user_never_from_a_secret(repo, capsys):
    """Issue 20: a concurrency key derived from a password (even hashed) lets anyone holding the
    public CI log test password guesses against it. Keys come from host and username only."""
    import hashlib

    from pulumi_groups.http import registry

    def write(passwords: dict[str, str], users: dict[str, tuple[str, str]]) -> None:
        for stack, (host, user) in users.items():
            (repo / "stacks" / f"Pulumi.{stack}.yaml").write_text(
                f"config:\n  capillary:orgs:\n    {stack}: {{host: {host}, username: {user}, "
                f"password: {passwords[stack]}}}\n"
            )

    users = {
        "pair-a1": ("eu", "till.a"),
        "pair-a2": ("eu", "till.a"),  # one till user, two stacks
        "pair-b1": ("eu", "till.b"),
        "pair-b2": ("eu", "till.b"),  # another user, same host
        "pair-c1": ("us", "till.a"),
        "pair-c2": ("us", "till.a"),
    }  # the first user's name, another host

    def keys(passwords: dict[str, str]) -> tuple[dict[str, str], str]:
        write(passwords, users)
        fake = FakeApi(repo)
        assert deploy.main(["--plan-ci", "--stacks", "pair-*"], api_factory=lambda root: fake) == 0
        out = capsys.readouterr().out
        return {job["stack"]: job["concurrency"] for job in json.loads(out)["include"]}, out

    first = {stack: f"pw-{stack[-2]}-first" for stack in users}
    rotated = {stack: f"pw-{stack[-2]}-rotated" for stack in users}
    stale = dict(first, **{"pair-a2": "pw-a-stale"})  # one stack not updated yet: still the same org
    before, out_first = keys(first)
    after, out_rotated = keys(rotated)
    with_stale, out_stale = keys(stale)
    assert before == after == with_stale  # only a password changed: the keys did not
    assert before["pair-a1"] == before["pair-a2"] and before["pair-b1"] == before["pair-b2"]
    assert len({before["pair-a1"], before["pair-b1"], before["pair-c1"]}) == 3  # user or host differ: keys differ

    # Nothing derived from a secret is printed: not the password, nor a digest of it.
    for passwords, out in ((first, out_first), (rotated, out_rotated), (stale, out_stale)):
        for stack, (host, user) in users.items():
            password = passwords[stack]
            base_url = f"https://{host}.api.capillarytech.com"
            derived = {
                password,
                registry.credential_key("capillary", base_url, user, password)[3],
                hashlib.sha256(password.encode()).hexdigest()[:12],
                hashlib.sha256(f"{user}\0{password}".encode()).hexdigest()[:12],
            }
            assert not any(value in out for value in derived)


def test_plan_ci_only_reads_the_stack_files(repo, capsys):
    """Issue 20: ``--plan-ci`` says it runs nothing, and it must touch nothing either: no stack is
    initialized or read through the CLI (which may rewrite the file), no file changes, and a
    ``secure:`` password is never needed (the key comes from host and user)."""

    class NoCli(FakeApi):
        def read_config(self, stack: str, create: bool = False) -> dict[str, str]:
            raise AssertionError(f"--plan-ci read {stack} through the CLI (create={create})")

    (repo / "stacks" / "Pulumi.sealed-a.yaml").write_text(
        "config:\n  capillary:orgs:\n    a: {host: eu, username: till.sealed, password: {secure: v1:AAAA}}\n"
    )
    (repo / "stacks" / "Pulumi.sealed-b.yaml").write_text(
        "encryptionsalt: v1:salt\nconfig:\n  capillary:orgs:\n"
        "    b:\n      host: eu\n      username: till.sealed\n      password:\n        secure: v1:BBBB\n"
    )
    before = {path.name: path.read_bytes() for path in (repo / "stacks").iterdir()}
    fake = NoCli(repo)
    assert deploy.main(["--plan-ci", "--stacks", "*"], api_factory=lambda root: fake) == 0
    jobs = {job["stack"]: job for job in json.loads(capsys.readouterr().out)["include"]}
    assert fake.created == [] and fake.runs == []
    assert {path.name: path.read_bytes() for path in (repo / "stacks").iterdir()} == before
    assert jobs["sealed-a"]["concurrency"] == jobs["sealed-b"]["concurrency"]  # one till user
    assert jobs["sealed-a"]["concurrency"] != jobs["brand-asia"]["concurrency"]
