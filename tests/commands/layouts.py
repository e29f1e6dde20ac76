"""A generated matrix of stack-file layouts: comments before and after entries, one-line (flow)
and block entries, trailing comments, empty and absent lists, three indentation styles."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

SECURE = "v1:c2VjcmV0IGNpcGhlcnRleHQ=:v1:AAAAbm9uY2U=:Y2lwaGVy"
INDENTS = {  # name -> (mapping indent, dash offset under its key)
    "2-offset2": (2, 2),
    "2-offset0": (2, 0),
    "4-offset2": (4, 2),
}
FIRST = ("flow", "flow+comment", "block", "block+comment")
SECOND = ("none", "flow", "block", "block+comment")
LEAD = ("none", "comment")
REWARDS = ("absent", "empty-flow", "block-after-comment")


@dataclass(frozen=True)
class Layout:
    indent: str
    lead: str
    first: str
    second: str
    rewards: str

    @property
    def name(self) -> str:
        return "-".join((self.indent, self.lead, self.first, self.second, self.rewards))

    def text(self, host: str, org: str = "brand-eu") -> str:
        m, offset = INDENTS[self.indent]
        key = " " * m  # keys of the config mapping
        dash = " " * (m + offset)  # list items
        inner = dash + "  "  # continuation lines of a block entry
        lines = [
            "# Stack for brand EU (generated layout).",
            "encryptionsalt: v1:9Xzq5tVhq1M=:v1:rD2Rz8bOWnDqfLmA:0tn6Jd5dlSmF9vB4RQ9wm0Kl4nfF3g==",
            "config:",
            f'{key}capillary:requestsPerMinute: "100000"',
            f"{key}capillary:orgs:",
            f"{key * 2}{org}:",
            f"{key * 3}host: {host}",
            f"{key * 3}username: demo.till",
            f"{key * 3}password: demo-password",
            f"{key}wesurvey:accounts:",
            f"{key * 2}default:",
            f"{key * 3}appId: demo-appid",
            f"{key * 3}secret:",
            f"{key * 4}secure: {SECURE}  # kept",
            f"{key}pulumi-groups:badgeGroups:",
        ]
        if self.lead == "comment":
            lines.append(f"{dash}# hand-written entries first")
        trailing = "  # ranked by hand" if self.first.endswith("+comment") else ""
        if self.first.startswith("flow"):
            lines.append(f"{dash}- {{name: B-000, rank: 99}}{trailing}")
        else:
            lines += [f"{dash}- name: B-000{trailing}", f"{inner}rank: 99"]
        trailing = "  # second" if self.second.endswith("+comment") else ""
        if self.second == "flow":
            lines.append(f"{dash}- {{name: B-001, rank: 1, org: {org}}}")
        elif self.second.startswith("block"):
            lines += [f"{dash}- name: B-001", f"{inner}rank: 1{trailing}"]
        if self.rewards == "empty-flow":
            lines.append(f"{key}pulumi-groups:rewardGroups: []  # none yet")
        elif self.rewards == "block-after-comment":
            lines += [
                "",
                f"{key}# reward groups",
                f"{key}pulumi-groups:rewardGroups:",
                f"{dash}- name: R-000",
                f"{inner}active: false",
            ]
        return "\n".join(lines) + "\n"


def all_layouts() -> list[Layout]:
    return [Layout(*combo) for combo in itertools.product(INDENTS, LEAD, FIRST, SECOND, REWARDS)]
