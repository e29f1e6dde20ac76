"""The package must not look like a resource plugin to the engine: no plugin named ``groups`` is
looked for or downloaded on any run."""

from __future__ import annotations

import json
from importlib import resources

from tests.e2e.harness import stack_config


def test_the_package_ships_pulumi_plugin_json_saying_it_is_no_resource_plugin():
    manifest = resources.files("pulumi_groups").joinpath("pulumi-plugin.json")
    assert json.loads(manifest.read_text()) == {"resource": False}


def test_up_installs_and_downloads_no_plugin(project, emulator):
    project.write_stack(stack_config(emulator.url, badge="\n    - {name: GOLD, rank: 1}"))
    run = project.pulumi("up", "--yes", "-v=7", "--logtostderr", "--logflow")
    log = run.stderr
    assert "pulumi-resource-pulumi-python" in log  # the verbose log is there: it names the plugin it runs
    lowered = log.lower()
    for attempt in (
        "downloading plugin",
        "installing plugin",
        "plugin install",
        "resource-groups",
        "pulumi-resource-groups",
    ):
        assert attempt not in lowered, attempt
    assert not (project.root / "pulumi-home" / "plugins").exists() or not any(
        (project.root / "pulumi-home" / "plugins").iterdir()
    )
