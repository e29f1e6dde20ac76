"""Capillary badge groups and reward groups as Pulumi resources.

This is what the provider process imports: keep it free of the emulator, the CLI commands and
anything only they need (YAML, tables).
"""

from pulumi_groups.capillary.badge_group import BadgeGroup, BadgeGroupProvider
from pulumi_groups.capillary.reward_group import RewardGroup, RewardGroupProvider

__all__ = ["BadgeGroup", "BadgeGroupProvider", "RewardGroup", "RewardGroupProvider"]
