"""Layer 5, stack programs: groups declared as data in stack config (``declarations``), checked
before anything is declared, and the program that declares them (``stack_program.run``, what
``stacks/__main__.py`` calls)."""
