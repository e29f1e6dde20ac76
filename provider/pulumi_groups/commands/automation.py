"""The one place the commands talk to the ``pulumi`` CLI, through the Automation API.

``deploy`` and ``export`` only ever call ``AutomationApi.read_config``, ``recorded_state`` and
``run``;
tests replace this class with a fake, so everything around it (selection, scheduling, rate
shares, the summary, exit codes) is tested without the CLI.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pulumi_groups.commands import large_plan
from pulumi_groups.commands.cli_support import cli_env, pulumi_command

if TYPE_CHECKING:
    from pulumi_groups.commands.cli_process import Interrupts

# Operations `run` accepts.
PREVIEW, UP, REFRESH, REFRESH_PREVIEW = "preview", "up", "refresh", "refresh-preview"
OPERATIONS = (PREVIEW, UP, REFRESH, REFRESH_PREVIEW)


def op_counts(changes: Any) -> dict[str, int]:
    """``{"create": 2, "same": 5}`` from the Automation API's OpMap (keys may be enums)."""
    return {str(getattr(op, "value", op)): int(count) for op, count in (changes or {}).items()}


class AutomationApi:
    """Runs one operation on one stack of the project in ``repo`` with the CLI at ``pulumi``,
    the stack program inline.

    Every call builds its own ``LocalWorkspace``: stacks run in parallel threads, and a
    workspace object must not be shared between them (pulumi/pulumi#8186).
    """

    def __init__(self, repo: Path, pulumi: str, interrupts: Interrupts | None = None) -> None:
        """``interrupts``: open ``cli_process.Interrupts`` that every CLI run is started through
        (Ctrl-C passed on once, the run waited for); without it the SDK's own way."""
        self.repo = repo
        self.pulumi = pulumi
        self.env = cli_env(pulumi)
        self.interrupts = interrupts
        self._command = None

    def _options(self, env: dict[str, str] | None = None):
        from pulumi.automation import LocalWorkspaceOptions

        from pulumi_groups.program.stack_program import run as stack_program

        if self._command is None:
            self._command = pulumi_command(self.pulumi, self.interrupts)
        # The program runs inline (served to the CLI from this process, as `python -m
        # pulumi_groups pulumi` does): no language host needed, and the same program
        # stacks/__main__.py runs. Project, stack files and config still come from the repo.
        return LocalWorkspaceOptions(work_dir=str(self.repo), pulumi_command=self._command,
                                     env_vars=self.env if env is None else env, program=stack_program)

    def _stack(self, name: str, create: bool, env: dict[str, str] | None = None):
        from pulumi.automation import create_or_select_stack, select_stack

        init = create_or_select_stack if create else select_stack
        return init(stack_name=name, work_dir=str(self.repo), opts=self._options(env))

    def read_config(self, stack: str, create: bool = False) -> dict[str, str]:
        """The stack's whole config with secrets decrypted (by the stack's secrets provider), as
        the provider receives it: every value a string, objects as JSON text."""
        selected = self._stack(stack, create)
        return {key: item.value for key, item in selected.get_all_config().items()}

    def recorded_state(self, stack: str) -> dict | None:
        """What the backend records for an existing stack (``pulumi stack export``'s deployment:
        resources with ids and outputs, secrets still encrypted), or None when it has no such
        stack or cannot be read. Never creates a stack."""
        from pulumi.automation.errors import CommandError

        try:
            exported = self._stack(stack, create=False).export_stack()
        except CommandError:
            return None
        return dict(exported.deployment or {})

    def run(
        self,
        stack: str,
        operation: str,
        *,
        config_text: str | None,
        on_output: Callable[[str], None],
        on_event: Callable[[Any], None] | None = None,
        targets: list[str] | None = None,
    ) -> dict[str, int]:
        """Run ``operation`` and return its resource-change counts by op (create, update, ...).

        ``on_event`` receives every ``pulumi.automation.events.EngineEvent`` of the run (the
        drift report and the progress lines are built from them).

        ``config_text``: a stack file to use instead of ``stacks/Pulumi.<stack>.yaml`` for this
        run only (``--config-file``), e.g. with a lower ``requestsPerMinute``; the user's file is
        never modified.

        ``targets``: refresh only these URNs (``accept-drift`` takes in only the groups it accepts).
        """
        selected = self._stack(stack, create=operation in (PREVIEW, UP))
        common: dict[str, Any] = {"on_output": on_output, "color": "never", "suppress_progress": True}
        if on_event is not None:
            common["on_event"] = on_event
        if targets:
            common["target"] = targets
        with tempfile.TemporaryDirectory(prefix=f"pulumi-groups-{stack}-") as folder:
            if config_text is not None:
                path = Path(folder) / f"Pulumi.{stack}.yaml"
                path.write_text(config_text, encoding="utf-8")
                common["config_file"] = str(path)
            if operation == PREVIEW:
                return op_counts(selected.preview(**common).change_summary)
            if operation == UP:
                return self._up(stack, common)
            if operation == REFRESH:
                return op_counts(selected.refresh(show_secrets=False, **common).summary.resource_changes)
            if operation == REFRESH_PREVIEW:
                return op_counts(selected.preview_refresh(**common).change_summary)
        raise ValueError(f"unknown operation {operation!r}; one of {', '.join(OPERATIONS)}")

    def _up(self, stack: str, common: dict[str, Any]) -> dict[str, int]:
        """``pulumi up --refresh``: the live values first, so drift that a check found (and left in
        place: ``--refresh --expect-no-changes`` changes no state) is put back to the declared
        values. A large plan runs as ``large_plan`` decides (no intermediate checkpoints, the
        create journal on), the same as through ``python -m pulumi_groups pulumi up``."""
        config = large_plan.stack_file_config(self.repo, stack, common.get("config_file"))
        export_state = large_plan.exporter(self.pulumi, self.repo, stack, self.env)
        plan = large_plan.plan_up(self.repo, stack, self.env, config, export_state)
        if plan.refusal is not None:
            raise RuntimeError(plan.refusal)
        for note in plan.notes:
            common["on_output"](note)
        selected = self._stack(stack, create=True, env=plan.env)
        try:
            result = selected.up(show_secrets=False, refresh=True, **common)
        finally:
            left = plan.settle(export_state)
            if left is not None:
                common["on_output"](left)
        return op_counts(result.summary.resource_changes)
