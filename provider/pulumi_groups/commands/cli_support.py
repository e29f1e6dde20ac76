"""What every command needs from its surroundings: the repository, the ``pulumi`` CLI, its env.

The commands (not the provider process) import this; it loads nothing beyond the standard
library until a command asks for the Automation API.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

# Where `demo` installs the CLI when it is missing (inside the repo, ignored by git).
LOCAL_CLI_DIR = ".pulumi-cli"
# Set to 1 to never download the CLI (tests, air-gapped machines): commands then only say how.
SKIP_INSTALL_ENV = "PULUMI_GROUPS_SKIP_CLI_INSTALL"

INSTALL_HELP = (
    "The pulumi CLI is not installed (not on PATH, not in .pulumi-cli/).\n"
    "Install it, then run the command again:\n"
    "    curl -fsSL https://get.pulumi.com | sh        # Linux/macOS; then add ~/.pulumi/bin to PATH\n"
    "    brew install pulumi/tap/pulumi                # or, with Homebrew\n"
    "    .venv/bin/python -c 'from pulumi.automation import PulumiCommand; PulumiCommand.install(root=\".pulumi-cli\")'\n"
    "                                                  # or into this repo (.pulumi-cli/), where the commands look too\n"
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
    """Try ``PulumiCommand.install()`` into ``.pulumi-cli/``; None when it cannot (offline...)."""
    if os.environ.get(SKIP_INSTALL_ENV, "").strip() not in ("", "0"):
        print(f"pulumi CLI not found, and {SKIP_INSTALL_ENV} is set: not downloading it.")
        return None
    print(f"pulumi CLI not found: installing it into {LOCAL_CLI_DIR}/ with PulumiCommand.install() ...")
    try:
        from pulumi.automation import PulumiCommand

        PulumiCommand.install(root=str(repo / LOCAL_CLI_DIR))
    except Exception as exc:  # noqa: BLE001 - any failure means: tell the user how to install
        print(f"  could not install it here ({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})")
        return None
    return find_pulumi(repo)


def cli_env(pulumi: str | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the CLI: this virtualenv's ``python`` first on PATH, so the engine's
    Python provider process imports ``pulumi_groups`` even where ``virtualenv`` in Pulumi.yaml is
    not honoured; the CLI's own folder too (its language plugins live beside it)."""
    env = dict(os.environ if base is None else base)
    first = [str(Path(sys.executable).parent)]
    if pulumi:
        first.append(str(Path(pulumi).parent))
    env["PATH"] = os.pathsep.join([*first, env.get("PATH", "")])
    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
    return env


def pulumi_command(pulumi: str):
    """An Automation API ``PulumiCommand`` for this binary (``<root>/bin/pulumi``)."""
    from pulumi.automation import PulumiCommand

    path = Path(pulumi)
    if path.parent.name == "bin":
        return PulumiCommand(root=str(path.parent.parent))
    return PulumiCommand()
