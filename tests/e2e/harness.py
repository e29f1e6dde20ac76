"""The real ``pulumi`` CLI against the emulator: a project in a temp folder, a local file backend,
a passphrase, and helpers that read what the engine recorded (``--json`` documents and events,
``pulumi stack export``).

Commands that run the stack program (``up``, ``preview``) go through ``python -m pulumi_groups
pulumi``: a fresh interpreter serves the program to the real CLI (see
``pulumi_groups.commands.inline_cli``); every other command runs the CLI binary directly.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pulumi_groups.commands.cli_support import cli_env, find_pulumi

REPO = Path(__file__).resolve().parents[2]
STACK = "e2e"
PASSPHRASE = "e2e-only-passphrase"
COMMAND_TIMEOUT = 900


def find_cli() -> tuple[str | None, str]:
    """The CLI the commands use (PATH first, then the one scripts/pulumi-cli.sh built) and, when
    there is none, why: the only reason the suite may skip."""
    cli = find_pulumi(REPO)
    if cli is not None:
        return cli, ""
    if shutil.which("go") is None:
        return None, "no pulumi CLI on PATH or in .pulumi-cli/bin, and no `go` to build it (scripts/pulumi-cli.sh)"
    return None, "the pulumi CLI is not built yet: run `make cli` (scripts/pulumi-cli.sh) first"


def json_documents(text: str) -> list[dict]:
    """``--json`` prints one document (preview) or several (update: the plan, then one per
    engine event): every top-level JSON object in ``text``."""
    decoder, docs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        if text[i] != "{":  # a stray line (e.g. a warning before the JSON); skip it
            i = text.find("\n", i) + 1 or len(text)
            continue
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)


def resource_name(urn: str) -> str:
    return urn.split("::")[-1]


@dataclass
class Run:
    """One CLI run: exit code, output, and the engine's JSON record of it."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    docs: list[dict] = field(default_factory=list)

    @property
    def plan(self) -> dict:
        """The preview document (``steps``, ``changeSummary``, ``diagnostics``)."""
        return next((d for d in self.docs if "steps" in d or "changeSummary" in d), {})

    @property
    def events(self) -> list[dict]:
        return [d for d in self.docs if "sequence" in d]

    def ops(self) -> dict[str, str]:
        """Resource name -> the step's op, from the plan (custom resources only)."""
        return {
            resource_name(s["urn"]): s["op"]
            for s in self.plan.get("steps", [])
            if "pulumi:pulumi:Stack" not in s["urn"]
        }

    def changes(self) -> dict[str, str]:
        """The plan's steps that change something (``up --json`` lists only those)."""
        return {name: op for name, op in self.ops().items() if op != "same"}

    def applied_ops(self) -> dict[str, list[str]]:
        """Resource name -> ops the update applied, in order (from resOutputsEvent)."""
        applied: dict[str, list[str]] = {}
        for event in self.events:
            meta = (event.get("resOutputsEvent") or {}).get("metadata")
            if meta and "pulumi:pulumi:Stack" not in meta["urn"]:
                applied.setdefault(resource_name(meta["urn"]), []).append(meta["op"])
        return applied

    def step_order(self) -> list[tuple[str, str]]:
        """(op, resource name) in the order the engine started them (resourcePreEvent)."""
        return [
            (e["resourcePreEvent"]["metadata"]["op"], resource_name(e["resourcePreEvent"]["metadata"]["urn"]))
            for e in self.events
            if "resourcePreEvent" in e
        ]

    def diagnostics(self, severity: str | None = None, source: str = "all") -> list[dict]:
        """Diagnostics the engine recorded (severity, message, urn): the plan's (its preview),
        the events' (the run that applied), or both."""
        found = (
            []
            if source == "events"
            else [
                {"severity": d.get("severity"), "message": d.get("message", ""), "urn": d.get("urn", "")}
                for d in self.plan.get("diagnostics", [])
            ]
        )
        if source != "plan":
            found += [e["diagnosticEvent"] for e in self.events if "diagnosticEvent" in e]
        return [d for d in found if severity is None or d.get("severity") == severity]

    def summary(self) -> dict:
        """The change counts: the update's summary event, else the preview's changeSummary."""
        for event in self.events:
            if "summaryEvent" in event:
                return event["summaryEvent"]["resourceChanges"]
        return self.plan.get("changeSummary", {})


class Project:
    """The repo's project layout in ``root``, a stack ``e2e``, and the CLI pointed at them."""

    def __init__(self, root: Path, pulumi: str) -> None:
        self.root = root
        self.pulumi_bin = pulumi
        (root / "stacks").mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "stacks" / "__main__.py", root / "stacks" / "__main__.py")
        shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
        # The repo's layout exactly: Pulumi.yaml names the virtualenv `.venv`, which the dynamic
        # provider's launcher resolves against the program folder (stacks/), hence the link
        # stacks/.venv -> ../.venv; here ../.venv is this test run's own virtualenv.
        (root / ".venv").symlink_to(sys.prefix, target_is_directory=True)
        (root / "stacks" / ".venv").symlink_to(os.readlink(REPO / "stacks" / ".venv"), target_is_directory=True)
        (root / "backend").mkdir(exist_ok=True)
        self.env = cli_env(pulumi)
        self.env.update(
            {
                "PULUMI_BACKEND_URL": f"file://{root / 'backend'}",
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                "PULUMI_HOME": str(root / "pulumi-home"),
            }
        )
        self.env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
        self.outputs: list[str] = []  # everything any command printed, for the secrets sweep

    @classmethod
    def attach(cls, root: Path, env: dict[str, str]) -> Project:
        """An existing project folder (e.g. the demo's), run with ``env`` as it is."""
        project = cls.__new__(cls)
        project.root, project.env, project.outputs = root, env, []
        return project

    def stack_file(self, stack: str = STACK) -> Path:
        return self.root / "stacks" / f"Pulumi.{stack}.yaml"

    def write_stack(self, text: str, stack: str = STACK) -> None:
        """Replace the stack file's text, keeping the encryption salt ``stack init`` wrote."""
        path = self.stack_file(stack)
        salt = (
            [line for line in path.read_text().splitlines() if line.startswith("encryptionsalt:")]
            if path.exists()
            else []
        )
        path.write_text(text.rstrip("\n") + "\n" + "".join(f"{line}\n" for line in salt))

    def _run(self, argv: list[str], check: bool, timeout: float) -> Run:
        done = subprocess.run(argv, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=timeout)
        self.outputs += [done.stdout, done.stderr]
        run = Run(argv, done.returncode, done.stdout, done.stderr)
        if "--json" in argv:
            run.docs = json_documents(done.stdout)
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv[:6])} ... exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
            )
        return run

    def pulumi(
        self, *args: str, stack: str | None = STACK, check: bool = True, timeout: float = COMMAND_TIMEOUT
    ) -> Run:
        """``pulumi <args> --stack <stack> --non-interactive``; the program served when needed."""
        tail = ["--non-interactive", *(["--stack", stack] if stack else [])]
        argv = [sys.executable, "-m", "pulumi_groups", "pulumi", *args, *tail]
        return self._run(argv, check, timeout)

    def command(self, *args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT) -> Run:
        """``python -m pulumi_groups <args>`` (export, deploy) in the project."""
        return self._run([sys.executable, "-m", "pulumi_groups", *args], check, timeout)

    def init(self, stack: str = STACK) -> None:
        self.pulumi("stack", "init", stack, stack=None)

    def config_set(self, path: str, value: str, *, secret: bool = False, stack: str = STACK) -> None:
        self.pulumi("config", "set", "--path", *(["--secret"] if secret else ["--plaintext"]), path, value, stack=stack)

    def export(self, *, show_secrets: bool = False, stack: str = STACK) -> dict:
        run = self.pulumi("stack", "export", *(["--show-secrets"] if show_secrets else []), stack=stack)
        return json.loads(run.stdout)

    def resources(self, stack: str = STACK) -> dict[str, dict]:
        """Resource name -> its state record, custom resources of ours only."""
        return {
            resource_name(r["urn"]): r
            for r in self.export(stack=stack)["deployment"].get("resources", [])
            if r["type"].startswith("pulumi-python:dynamic/")
        }

    def stack_outputs(self, stack: str = STACK) -> dict:
        return json.loads(self.pulumi("stack", "output", "--json", stack=stack).stdout)


def stack_config(emulator_url: str, badge: str = "", reward: str = "", contact: str = "", extra: str = "") -> str:
    """A stack file for the emulator's demo org (Basic auth) and WeSurvey app; the passwords are
    set as secrets separately (``Project.config_set(..., secret=True)``) when a test needs them
    encrypted."""
    return f"""\
config:
  capillary:requestsPerMinute: "100000"
  wesurvey:requestsPerMinute: "100000"
  capillary:orgs:
    default: {{host: "{emulator_url}", username: demo.till, password: demo-password}}
  wesurvey:accounts:
    default: {{host: "{emulator_url}", appId: demo-appid, secret: demo-secret}}
  pulumi-groups:badgeGroups:{badge or " []"}
  pulumi-groups:rewardGroups:{reward or " []"}
  pulumi-groups:contactGroups:{contact or " []"}
{extra}"""


def wrapped_up(stack: str) -> list[str]:
    """``python -m pulumi_groups pulumi up`` of ``stack``, unattended: the CLI with the program
    served from here, as the runs these tests interrupt or kill start it."""
    return [
        sys.executable,
        "-m",
        "pulumi_groups",
        "pulumi",
        "up",
        "--yes",
        "--skip-preview",
        "--non-interactive",
        "--stack",
        stack,
    ]


def start_alone(project: Project, argv: list[str]) -> subprocess.Popen:
    """``argv`` in the project, in a session of its own (a test may signal or kill its whole
    tree), its output dropped."""
    return subprocess.Popen(
        argv,
        cwd=project.root,
        env=project.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux ``/proc``), parents first."""
    tree, i = [pid], 0
    while i < len(tree):
        for children in Path(f"/proc/{tree[i]}/task").glob("*/children"):
            try:
                tree += [int(child) for child in children.read_text().split()]
            except OSError:  # the thread or process ended meanwhile
                pass
        i += 1
    return tree


def kill_tree(pid: int) -> None:
    """SIGKILL a command and everything it started, at one instant (as a runner that times out or
    a lost machine does): the tree is stopped first, so no process reacts to another's death
    (the CLI runs in a process group of its own, so killing the command's group is not enough)."""
    tree = process_tree(pid)
    for signum in (signal.SIGSTOP, signal.SIGKILL):
        for member in tree:
            try:
                os.kill(member, signum)
            except ProcessLookupError:
                pass


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")
