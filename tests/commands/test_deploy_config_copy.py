"""``deploy``'s per-run copy of a stack file (a shared credential's budget split between runs),
over the generated layout matrix: every copy parses and holds the file's data with only the
org's ``requestsPerMinute`` lowered; the stack file itself is never modified."""

from __future__ import annotations

import os

from ruamel.yaml import YAML

from pulumi_groups.commands import deploy
from tests.commands.layouts import all_layouts
from tests.commands.test_deploy import FakeApi

PROJECT = "name: pulumi-groups\nruntime: python\nmain: stacks/\nstackConfigDir: stacks\n"


def test_every_layout_gives_a_config_copy_that_reads_back(tmp_path, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith(("CAPILLARY_", "WESURVEY_")):
            monkeypatch.delenv(name)
    failures = {}
    layouts = all_layouts()
    for number, layout in enumerate(layouts):
        repo = tmp_path / f"repo{number}"
        (repo / "stacks").mkdir(parents=True)
        (repo / "Pulumi.yaml").write_text(PROJECT)
        texts = {"brand-eu": layout.text("eu", "brand-eu"), "brand-us": layout.text("eu", "brand-us")}  # one till user
        for stack, text in texts.items():
            (repo / "stacks" / f"Pulumi.{stack}.yaml").write_text(text)
        monkeypatch.chdir(repo)
        fake = FakeApi(repo)
        code = deploy.main(["--stacks", "brand-*", "--parallel", "2"], api_factory=lambda root, fake=fake: fake)
        found = [f"exit {code}"] if code != 0 else []
        for stack, text in texts.items():
            copy = fake.run_of(stack)["config_text"]
            expected = YAML(typ="safe").load(text)
            expected["config"]["capillary:orgs"][stack]["requestsPerMinute"] = 50000
            try:
                if YAML(typ="safe").load(copy) != expected:
                    found.append(f"{stack}: the copy holds other data")
            except Exception as exc:  # noqa: BLE001 - reported with the layout's name
                found.append(f"{stack}: the copy does not parse ({str(exc)[:80]})")
            if (repo / "stacks" / f"Pulumi.{stack}.yaml").read_text() != text:
                found.append(f"{stack}: the stack file was modified")
        if found:
            failures[layout.name] = found
    capsys.readouterr()
    assert failures == {}, f"{len(failures)} of {len(layouts)} layouts: {dict(list(failures.items())[:3])}"
