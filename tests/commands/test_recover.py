"""``recover``'s choice of declarations: only a pending create of ours with exactly one matching
declaration is marked; a contact group without remote_id and an ambiguous match never are."""

from __future__ import annotations

from pulumi_groups.commands.recover import plan

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
CONTACT = "pulumi-python:dynamic/wesurvey:ContactGroup"


def pending(type_: str, name: str, **inputs) -> dict:
    return {
        "type": "creating",
        "resource": {"type": type_, "urn": f"urn:x::{name}", "inputs": {"name": name, **inputs}},
    }


def state(*ops) -> dict:
    return {"deployment": {"pending_operations": list(ops)}}


def test_a_pending_badge_create_marks_its_one_declaration():
    config = {
        "capillary:orgs": {"default": {}, "eu": {}},
        "pulumi-groups:defaultOrg": "default",
        "pulumi-groups:badgeGroups": [{"name": "GOLD", "rank": 1}, {"name": "GOLD", "rank": 1, "org": "eu"}],
    }
    marks, refused = plan(state(pending(BADGE, "GOLD", org="eu")), config)
    assert marks == [("pulumi-groups:badgeGroups", {"name": "GOLD", "rank": 1, "org": "eu"})] and refused == []


def test_ambiguous_declarations_are_not_marked():
    config = {
        "capillary:orgs": {"eu": {}},
        "pulumi-groups:badgeGroups": [{"name": "GOLD", "rank": 1}, {"name": "GOLD", "rank": 2}],
    }
    marks, refused = plan(state(pending(BADGE, "GOLD", org="eu")), config)
    assert marks == [] and len(refused) == 1 and "2 declarations" in refused[0]


def test_contact_groups_without_remote_id_are_never_marked():
    config = {
        "pulumi-groups:contactGroups": [
            {"name": "Panel", "team_id": 53},
            {"name": "Tagged", "team_id": 53, "remote_id": "r1"},
        ]
    }
    ops = state(
        pending(CONTACT, "Panel", account="default", team_id=53),
        pending(CONTACT, "Tagged", account="default", team_id=53, remote_id="r1"),
    )
    marks, refused = plan(ops, config)
    assert [entry["name"] for _, entry in marks] == ["Tagged"]
    assert len(refused) == 1 and "remote_id" in refused[0]


def test_only_pending_creates_of_our_types_count():
    other = {"type": "creating", "resource": {"type": "aws:s3:Bucket", "urn": "u", "inputs": {"name": "GOLD"}}}
    updating = {**pending(BADGE, "GOLD", org="eu"), "type": "updating"}
    assert plan(state(other, updating), {"pulumi-groups:badgeGroups": [{"name": "GOLD"}]}) == ([], [])


SECURE = "v1:c2VjcmV0IGNpcGhlcnRleHQ=:v1:AAAAbm9uY2U=:Y2lwaGVy"  # ciphertext of no key we hold


def test_a_name_another_stack_declares_for_the_same_org_is_not_marked(tmp_path):
    """Marking it would make two stacks own one group. The other stack files are told apart by
    host and user, their passwords encrypted (``secure:``) as users store them."""
    from pulumi_groups.commands import stack_files
    from pulumi_groups.commands.recover import marks_for

    def write(stack: str, org: str, user: str, names: list[str], host: str = "eu") -> None:
        declared = ", ".join(f"{{name: {n}, rank: 1, org: {org}}}" for n in names)
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(
            f"config:\n  capillary:orgs:\n    {org}:\n      host: {host}\n      username: {user}\n"
            f"      password:\n        secure: {SECURE}\n  pulumi-groups:badgeGroups: [{declared}]\n"
        )

    write("brand-eu", "brand-eu", "till.eu", ["GOLD", "SILVER", "BRONZE", "IRON"])
    write("brand-eu-extra", "eu-main", "till.eu", ["GOLD"])  # same org, another key
    write("brand-us", "brand-us", "till.us", ["SILVER"])  # another org: its SILVER is its own
    write("brand-apac", "brand-eu", "till.eu", ["BRONZE"], host="apac")  # same key and user, another host
    (tmp_path / "Pulumi.brand-locked.yaml").write_text(  # its org cannot be told: it may be this one
        f"config:\n  capillary:orgs:\n    locked: {{host: eu, username: {{secure: {SECURE}}}}}\n"
        "  pulumi-groups:badgeGroups: [{name: IRON, rank: 1, org: locked}]\n"
    )
    ops = state(*(pending(BADGE, name, org="brand-eu") for name in ("GOLD", "SILVER", "BRONZE", "IRON")))

    marks, refused = marks_for(ops, stack_files.load(tmp_path / "Pulumi.brand-eu.yaml"))

    assert sorted(entry["name"] for _, entry in marks) == ["BRONZE", "SILVER"]
    assert sorted(line.split(":")[0] for line in refused) == ["GOLD", "IRON"]
    assert any("brand-eu-extra (eu-main)" in line for line in refused)
    assert any("brand-locked (locked)" in line for line in refused)
