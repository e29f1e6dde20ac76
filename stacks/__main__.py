"""The stack program: declares each stack's groups from its stack config (stacks/Pulumi.<stack>.yaml).

The logic lives in the package (``pulumi_groups.program.stack_program``) so tests import it.
"""

from pulumi_groups.program.stack_program import run

run()
