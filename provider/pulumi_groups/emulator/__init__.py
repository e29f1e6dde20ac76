"""A local HTTP emulator of the Capillary badge/reward-group and WeSurvey contact-group APIs,
for tests, the demo and benchmarks (standard library only; loopback only).

    from pulumi_groups.emulator import Emulator
    with Emulator() as emu:
        ...  # point clients at emu.url

Where the vendor docs are silent, the emulator's choices are in `guesses.py`.
"""

from pulumi_groups.emulator.credentials import DEFAULT_CAPILLARY_ORGS, DEFAULT_WESURVEY_APPS
from pulumi_groups.emulator.server import Emulator

__all__ = ["Emulator", "DEFAULT_CAPILLARY_ORGS", "DEFAULT_WESURVEY_APPS"]
