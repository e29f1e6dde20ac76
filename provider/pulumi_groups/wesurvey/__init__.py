"""WeSurvey contact groups as a Pulumi resource, and a lookup of the existing ones.

This is what the provider process imports: keep it free of the emulator, the CLI commands and
anything only they need.
"""

from pulumi_groups.wesurvey.contact_group import ContactGroup, ContactGroupProvider
from pulumi_groups.wesurvey.lookup import list_contact_groups

__all__ = ["ContactGroup", "ContactGroupProvider", "list_contact_groups"]
