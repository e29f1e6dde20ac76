"""What every command needs from its surroundings: the repository, the ``pulumi`` CLI, its env.

The commands (not the provider process) import this; it loads nothing beyond the standard
library until a command asks for the Automation API.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# Where `demo` installs or builds the CLI when it is missing (inside the repo, ignored by git).
LOCAL_CLI_DIR = ".pulumi-cli"
# Builds the pinned CLI from its Go modules into LOCAL_CLI_DIR/bin (tools/pulumi-cli pins it).
BUILD_SCRIPT = "scripts/pulumi-cli.sh"
# Set to 1 to never download the CLI (tests, air-gapped machines): commands then only say how.
SKIP_INSTALL_ENV = "PULUMI_GROUPS_SKIP_CLI_INSTALL"

INSTALL_HELP = (
    "The pulumi CLI is not installed (not on PATH, not in .pulumi-cli/bin/).\n"
    "Install it, then run the command again:\n"
    "    scripts/pulumi-cli.sh                         # build it from its Go modules (needs Go 1.26+)\n"
    "    curl -fsSL https://get.pulumi.com | sh        # Linux/macOS; then add ~/.pulumi/bin to PATH\n"
    "    brew install pulumi/tap/pulumi                # or, with Homebrew\n"
    "    # or into this repo (.pulumi-cli/), where the commands look too:\n"
    "    .venv/bin/python -c \\\n"
    "      'from pulumi.automation import PulumiCommand; PulumiCommand.install(root=\".pulumi-cli\")'\n"
    "See https://www.pulumi.com/docs/install/ for other systems."
)


def repo_root(start: Path | None = None) -> Path:
    """The nearest directory holding ``Pulumi.yaml`` and ``stacks/`` (cwd or a parent)."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").exists() and (candidate / "stacks").is_dir():
            return candidate
    raise SystemExit("run this from the pulumi-groups repository (no Pulumi.yaml with stacks/ found)")


def find_pulumi(repo: Path) -> str | None:
    """The CLI on PATH, else the one ``demo`` installed into the repo; None when neither exists."""
    on_path = shutil.which("pulumi")
    if on_path:
        return on_path
    local = repo / LOCAL_CLI_DIR / "bin" / "pulumi"
    return str(local) if local.exists() else None


def install_pulumi(repo: Path) -> str | None:
    """Get the CLI into ``.pulumi-cli/`` when it is nowhere: first ``PulumiCommand.install()``
    (downloads a release), then, where that cannot download and ``go`` is present, a build from
    its Go modules (``scripts/pulumi-cli.sh``). None when neither works."""
    if os.environ.get(SKIP_INSTALL_ENV, "").strip() not in ("", "0"):
        print(f"pulumi CLI not found, and {SKIP_INSTALL_ENV} is set: not downloading or building it.")
        return None
    print(f"pulumi CLI not found: installing it into {LOCAL_CLI_DIR}/ with PulumiCommand.install() ...")
    try:
        from pulumi.automation import PulumiCommand

        PulumiCommand.install(root=str(repo / LOCAL_CLI_DIR))
        return find_pulumi(repo)
    except Exception as exc:  # noqa: BLE001 - any failure means: try the next way
        first_line = str(exc).splitlines()[0][:120] if str(exc) else ""
        print(f"  could not install it here ({type(exc).__name__}: {first_line})")
    return build_pulumi(repo)


def build_pulumi(repo: Path) -> str | None:
    """Build the pinned CLI from its Go modules with ``scripts/pulumi-cli.sh`` (reused when built)."""
    script = repo / BUILD_SCRIPT
    if shutil.which("go") is None or not script.exists():
        return None
    print(f"building it from its Go modules with {BUILD_SCRIPT} instead: a first build takes 10-25 minutes ...",
          flush=True)
    built = subprocess.run(["bash", str(script)], stdout=subprocess.PIPE, text=True)
    return built.stdout.strip().splitlines()[-1] if built.returncode == 0 and built.stdout.strip() else None


def cli_env(pulumi: str | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for every CLI run we start.

    - this virtualenv's ``python`` first on PATH and in ``PULUMI_PYTHON_CMD``: the dynamic
      provider's launcher uses ``runtime.options.virtualenv`` only when the language host runs the
      program; for inline programs (``--client``) the engine does not pass it, and the launcher
      falls back to ``PULUMI_PYTHON_CMD``, then ``python3`` on PATH;
    - the CLI's own folder on PATH: the launcher script lives beside the binary;
    - no update check, and no automatic plugin download: nothing here may reach the network.
    """
    env = dict(os.environ if base is None else base)
    first = [str(Path(sys.executable).parent)]
    if pulumi:
        first.append(str(Path(pulumi).parent))
    env["PATH"] = os.pathsep.join([*first, env.get("PATH", "")])
    env["PULUMI_PYTHON_CMD"] = sys.executable
    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
    env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    return env


def pulumi_command(pulumi: str, interrupts=None):
    """An Automation API ``PulumiCommand`` for this binary (``<root>/bin/pulumi``); with
    ``interrupts`` (a ``cli_process.Interrupts``) each run gets Ctrl-C once and is waited for."""
    from pulumi.automation import PulumiCommand

    path = Path(pulumi)
    root = str(path.parent.parent) if path.parent.name == "bin" else None
    if interrupts is not None:
        from pulumi_groups.commands.interruptible_command import InterruptibleCommand

        return InterruptibleCommand(root, interrupts)
    return PulumiCommand(root=root)
