"""``recover``'s choice of declarations: only a pending create of ours with exactly one matching
declaration is marked; a contact group without remote_id and an ambiguous match never are."""

from __future__ import annotations

from pulumi_groups.commands.recover import plan

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
CONTACT = "pulumi-python:dynamic/wesurvey:ContactGroup"


def pending(type_: str, name: str, **inputs) -> dict:
    return {"type": "creating", "resource": {"type": type_, "urn": f"urn:x::{name}", "inputs": {"name": name, **inputs}}}


def state(*ops) -> dict:
    return {"deployment": {"pending_operations": list(ops)}}


def test_a_pending_badge_create_marks_its_one_declaration():
    config = {"capillary:orgs": {"default": {}, "eu": {}}, "pulumi-groups:defaultOrg": "default",
              "pulumi-groups:badgeGroups": [{"name": "GOLD", "rank": 1}, {"name": "GOLD", "rank": 1, "org": "eu"}]}
    marks, refused = plan(state(pending(BADGE, "GOLD", org="eu")), config)
    assert marks == [("pulumi-groups:badgeGroups", {"name": "GOLD", "rank": 1, "org": "eu"})] and refused == []


def test_ambiguous_declarations_are_not_marked():
    config = {"capillary:orgs": {"eu": {}}, "pulumi-groups:badgeGroups": [{"name": "GOLD", "rank": 1}, {"name": "GOLD", "rank": 2}]}
    marks, refused = plan(state(pending(BADGE, "GOLD", org="eu")), config)
    assert marks == [] and len(refused) == 1 and "2 declarations" in refused[0]


def test_contact_groups_without_remote_id_are_never_marked():
    config = {"pulumi-groups:contactGroups": [{"name": "Panel", "team_id": 53}, {"name": "Tagged", "team_id": 53, "remote_id": "r1"}]}
    ops = state(pending(CONTACT, "Panel", account="default", team_id=53),
                pending(CONTACT, "Tagged", account="default", team_id=53, remote_id="r1"))
    marks, refused = plan(ops, config)
    assert [entry["name"] for _, entry in marks] == ["Tagged"]
    assert len(refused) == 1 and "remote_id" in refused[0]


def test_only_pending_creates_of_our_types_count():
    other = {"type": "creating", "resource": {"type": "aws:s3:Bucket", "urn": "u", "inputs": {"name": "GOLD"}}}
    updating = {**pending(BADGE, "GOLD", org="eu"), "type": "updating"}
    assert plan(state(other, updating), {"pulumi-groups:badgeGroups": [{"name": "GOLD"}]}) == ([], [])
